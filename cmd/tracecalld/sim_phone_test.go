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
		types, said := dialFromPhone(t, d, "8001", tt.dial)
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

// dialFromPhone is `tracectl sim phone --ext ext --dial code` until the
// dialled call hangs up: the stream's event types in order, and what the IVR
// said last.
func dialFromPhone(t *testing.T, d *daemon, ext, code string) (types []string, said string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body := `{"ext":"` + ext + `","answer_after":"1s","dial":"` + code + `"}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://tracecalld/api/sim/phone", strings.NewReader(body))
	resp, err := d.sock.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/sim/phone: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var ev struct{ Type, Text, To string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %s: %v", sc.Text(), err)
		}
		types = append(types, ev.Type)
		if ev.Type == "said" {
			said = ev.Text
		}
		if ev.Type == "hangup" && ev.To == code {
			return types, said
		}
	}
	t.Fatalf("phone %s dialling %s: the stream ended (%v) before the call did: %v", ext, code, sc.Err(), types)
	return nil, ""
}
