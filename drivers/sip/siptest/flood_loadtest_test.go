//go:build loadtest

package siptest_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"tracecall/drivers/sip/siptest"
)

var (
	floodFrom = flag.String("flood.from", "127.0.0.2", "local IP address to flood from")
	floodTo   = flag.String("flood.to", "", "the SIP server to flood, host:port")
	floodRate = flag.Int("flood.rate", 500, "INVITEs a second")
	floodFor  = flag.Duration("flood.for", 10*time.Second, "how long to flood")
	floodOut  = flag.String("flood.out", "", "write the result here as JSON (default: the test log)")
)

// TestFloodTool is scripts/loadtest-sipflood.sh's flooder (siptest.Flood),
// run as a compiled test binary in the flooder's network namespace:
//
//	go test -c -tags loadtest -o flood.test ./drivers/sip/siptest
//	./flood.test -test.run TestFloodTool -flood.to 10.253.77.1:5060 -flood.from 10.253.77.3
func TestFloodTool(t *testing.T) {
	if *floodTo == "" {
		t.Fatal("-flood.to: want the SIP server's host:port (scripts/loadtest-sipflood.sh runs this)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *floodFor)
	defer cancel()
	res, err := siptest.Flood{From: *floodFrom, To: *floodTo, Rate: *floodRate}.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := struct {
		siptest.FloodResult
		AnsweredAtMS []int64 `json:"answered_at_ms"`
		Unanswered   int     `json:"unanswered"`
	}{FloodResult: res, Unanswered: res.Unanswered()}
	for _, d := range res.AnsweredAt {
		out.AnsweredAtMS = append(out.AnsweredAtMS, d.Milliseconds())
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if *floodOut == "" {
		t.Logf("%s", b)
		return
	}
	if err := os.WriteFile(*floodOut, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
