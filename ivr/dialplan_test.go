package ivr_test

import (
	"testing"

	"tracecall/ivr"
)

// TestDialPlan: the shipped routes offer the hotline to anyone and keep the
// feature codes for the appliance's phones; a route marked private is kept
// too.
func TestDialPlan(t *testing.T) {
	shipped, err := loadShipped()
	if err != nil {
		t.Fatal(err)
	}
	cfg := shipped.IVR
	cfg.Routes = append(cfg.Routes, ivr.Route{Numbers: []string{"8888"}, Flow: "trace", Private: true})
	p := ivr.NewDialPlan(cfg)
	tests := []struct {
		number         string
		routes, public bool
	}{
		{"ivr", true, true},
		{"96315", true, true},
		{"*21", true, false},
		{"*22", true, false},
		{"*23", true, false},
		{"*24", true, false},
		{"8888", true, false},
		{"12345", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		if got := p.Routes(tt.number); got != tt.routes {
			t.Errorf("Routes(%q) = %v, want %v", tt.number, got, tt.routes)
		}
		if got := p.Public(tt.number); got != tt.public {
			t.Errorf("Public(%q) = %v, want %v", tt.number, got, tt.public)
		}
	}
}
