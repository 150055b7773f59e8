package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSimPhoneFeatureCodes runs the demo daemon's agent phone 8001 over
// POST /api/sim/phone (the route tracectl sim phone uses) and dials the
// shipped feature codes from it: *22 logs the demo agent out, *21 back in,
// and the stream carries the phone's events and what the IVR said.
func TestSimPhoneFeatureCodes(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	tests := []struct {
		dial, want string
	}{
		{dial: "*22", want: "已签出。"},
		{dial: "*21", want: "已签入。"},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		body := `{"ext":"8001","answer_after":"1s","dial":"` + tt.dial + `"}`
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://tracecalld/api/sim/phone", strings.NewReader(body))
		resp, err := d.sock.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /api/sim/phone: %s", resp.Status)
		}
		var types []string
		said := ""
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var ev struct{ Type, Text, To, By string }
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatalf("line %s: %v", sc.Text(), err)
			}
			types = append(types, ev.Type)
			if ev.Type == "said" {
				said = ev.Text
			}
			if ev.Type == "hangup" && ev.To == tt.dial {
				break
			}
		}
		cancel()
		resp.Body.Close()
		if got := strings.Join(types, " "); got != "phone dialling answered said hangup" {
			t.Errorf("dial %s: stream %q", tt.dial, got)
		}
		if said != tt.want {
			t.Errorf("dial %s: ivr said %q, want %q", tt.dial, said, tt.want)
		}
	}
	resp, err := d.sock.Post("http://tracecalld/api/sim/phone", "application/json", strings.NewReader(`{"ext":"80x1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad ext: %s, want 400", resp.Status)
	}
}
