package trace_test

import (
	"testing"

	"tracecall/config/configtest"
	"tracecall/trace"
)

// TestConfigValidate: Validate is the one check of the [trace] section;
// errors name the key.
func TestConfigValidate(t *testing.T) {
	opts := func(min, max int) trace.Options { return trace.Options{RetailMin: min, RetailMax: max} }
	tests := []struct {
		name string
		cfg  trace.Config
		want string // a key the error names; "" for none
	}{
		{"zero: 16 to 24 digits", trace.Config{}, ""},
		{"shipped", trace.Config{Options: trace.Options{CheckDigit: true, RetailMin: 20, RetailMax: 20}, DemoChains: 3000}, ""},
		{"min alone", trace.Config{Options: opts(30, 0)}, ""},
		{"max alone", trace.Config{Options: opts(0, 20)}, ""},
		{"min above max", trace.Config{Options: opts(22, 20)}, "trace.retail_min_digits/retail_max_digits"},
		{"min too short", trace.Config{Options: opts(4, 20)}, "trace.retail_min_digits"},
		{"max too long", trace.Config{Options: opts(20, 40)}, "retail_max_digits"},
		{"min too long", trace.Config{Options: opts(40, 0)}, "trace.retail_min_digits"},
		{"negative", trace.Config{Options: opts(-1, 20)}, "trace.retail_min_digits"},
		{"no demo chains", trace.Config{DemoChains: -1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			configtest.Check(t, tt.cfg.Validate(), tt.want)
		})
	}
}

func TestConfigDemoCount(t *testing.T) {
	for _, tt := range []struct{ chains, want int }{{0, trace.DefaultDemoChains}, {-1, 0}, {50, 50}} {
		if got := (trace.Config{DemoChains: tt.chains}).DemoCount(); got != tt.want {
			t.Errorf("DemoChains %d: DemoCount() = %d, want %d", tt.chains, got, tt.want)
		}
	}
}
