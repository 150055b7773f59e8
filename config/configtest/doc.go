// Package configtest checks a section's Validate in the table tests of the
// package that owns the section: each case names the key its error must
// name, or none.
//
//	for _, tt := range tests {
//		t.Run(tt.name, func(t *testing.T) {
//			configtest.Check(t, tt.cfg.Validate(), tt.want)
//		})
//	}
//
// It imports nothing of this module, so any package's tests may use it.
package configtest
