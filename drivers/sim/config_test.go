package sim_test

import (
	"testing"
	"time"

	"tracecall/config/configtest"
	"tracecall/drivers/sim"
)

// TestConfigValidate: Validate is the one check of the [sim] section, with
// the defaults in; errors name the key.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  sim.Config
		want string // a key the error names; "" for none
	}{
		{"zero: 30 lines from 80000001", sim.Config{}, ""},
		{"shipped", sim.Config{Lines: 30, FirstNumber: "80000001", RingTimeout: 30 * time.Second, Phones: []string{"8001", "8002"}, AnswerAfter: 2 * time.Second}, ""},
		{"phones that never answer", sim.Config{AnswerAfter: -time.Second}, ""},
		{"10000 lines", sim.Config{Lines: 10000}, ""},
		{"too many lines", sim.Config{Lines: 10001}, "sim.lines"},
		{"negative lines", sim.Config{Lines: -1}, "sim.lines"},
		{"first number not digits", sim.Config{FirstNumber: "8000x"}, "sim.first_number"},
		{"first number that overflows", sim.Config{FirstNumber: "18446744073709551615"}, "sim.first_number"},
		{"explicit numbers need no first number", sim.Config{Numbers: []string{"ivr"}, FirstNumber: "x"}, ""},
		{"negative ring timeout", sim.Config{RingTimeout: -time.Second}, "sim.ring_timeout"},
		{"empty phone", sim.Config{Phones: []string{""}}, "sim.phones[0]"},
		{"phone with a driver", sim.Config{Phones: []string{"sim:8001"}}, "sim.phones[0]"},
		{"phone twice", sim.Config{Phones: []string{"8001", "8001"}}, `sim.phones[1]: "8001": listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			configtest.Check(t, err, tt.want)
			if _, nerr := sim.New(tt.cfg, nil, nil); (nerr == nil) != (err == nil) {
				t.Errorf("New error %v, Validate %v: they must agree", nerr, err)
			}
		})
	}
}
