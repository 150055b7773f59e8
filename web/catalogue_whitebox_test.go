package web

import "testing"

func TestCataloguesDisjoint(t *testing.T) {
	seen := map[string]int{}
	for i, c := range []map[string]map[string]string{panelMessages, liveMessages, acdAdminMessages, deskMessages, traceImportMessages} {
		for k := range c["zh"] {
			if j, ok := seen[k]; ok {
				t.Errorf("key %q is in catalogues %d and %d", k, j, i)
			}
			seen[k] = i
		}
	}
}
