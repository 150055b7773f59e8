package web

import "testing"

// TestAuditWords: every action and result the audit log records has its
// words in each language, so the page never shows a bare identifier.
func TestAuditWords(t *testing.T) {
	for lang, m := range messages {
		for _, a := range auditActions {
			if m["audit_"+a] == "" {
				t.Errorf("%s: no words for audit action %q", lang, a)
			}
		}
		for _, r := range auditResults {
			if m["auditres_"+r] == "" {
				t.Errorf("%s: no words for audit result %q", lang, r)
			}
		}
	}
}
