package store

// SetMaxAuditEntries makes the audit log keep n entries until restore is
// called, so that a test can see the oldest go without writing 200,000.
func SetMaxAuditEntries(n uint64) (restore func()) {
	old := maxAuditEntries
	maxAuditEntries = n
	return func() { maxAuditEntries = old }
}
