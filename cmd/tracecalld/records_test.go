package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"tracecall/cdr/cdrtest"
	"tracecall/store"
)

// wallboardFigures is the part of GET /api/wallboard this test reads.
type wallboardFigures struct {
	Calls struct {
		Calls        int `json:"calls"`
		IVR          int `json:"ivr"`
		Waiting      int `json:"waiting"`
		Ringing      int `json:"ringing"`
		Talking      int `json:"talking"`
		FeatureCodes int `json:"feature_codes"`
	} `json:"calls"`
	Queues []struct {
		Name           string  `json:"name"`
		Waiting        int     `json:"waiting"`
		Talking        int     `json:"talking"`
		Answered       int     `json:"answered"`
		AnsweredInTime int     `json:"answered_in_time"`
		Abandoned      int     `json:"abandoned"`
		ShortAbandoned int     `json:"short_abandoned"`
		ServiceLevel   float64 `json:"service_level"`
		AbandonRate    float64 `json:"abandon_rate"`
	} `json:"queues"`
}

// getJSON decodes GET path on the unix socket into v.
func (d *daemon) getJSON(path string, v any) {
	d.t.Helper()
	resp, err := d.sock.Get("http://tracecalld" + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != 200 {
		d.t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
}

// page returns the panel's page at path in Chinese, with the API token.
func (d *daemon) page(path string) string {
	d.t.Helper()
	req, _ := http.NewRequest("GET", "http://"+d.addr+path+"?lang=zh", nil)
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		d.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	return string(b)
}

// eventually polls f until it returns "" or timeout passes, then fails with
// f's last word; the live views and the records follow the bus on their own.
func eventually(t *testing.T, timeout time.Duration, f func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dialFeatureCode has the simulated phone ext dial code and returns once
// the appliance hung the call up.
func dialFeatureCode(t *testing.T, d *daemon, ext, code string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body := fmt.Sprintf(`{"ext":%q,"dial":%q}`, ext, code)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://tracecalld/api/sim/phone", strings.NewReader(body))
	resp, err := d.sock.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var ev struct{ Type, To string }
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Type == "hangup" && ev.To == code {
			return
		}
	}
	t.Fatalf("phone %s dialling %s: the stream ended before the hangup: %v", ext, code, sc.Err())
}

// TestRecordsAndWallboardAgree runs testdata/records.toml: the queue solo's
// one agent talks with a caller while two more wait with no agent free and
// give up, one after 1.5 s (within the 3 s service level time: a short
// abandon) and one after 5 s; an agent's phone dials a feature code.
// While the agent talks, the wallboard and the line monitor say talking,
// not IVR. Then the records say abandoned in the queue with the waits, the
// feature code is no customer call, and the wallboard's answered, abandoned
// and service level for the queue are the records', by the API doc's
// formulas.
func TestRecordsAndWallboardAgree(t *testing.T) {
	d := startConfigured(t, "testdata/records.toml", "-demo")
	w := watchEvents(t, d)

	talks := place(t, d, "13900000001", "solo", 15*time.Second)
	w.until(t, 10*time.Second, "solo-1 taking the first call", func() bool { _, ok := w.taken[talks.id]; return ok })
	eventually(t, 5*time.Second, func() string {
		var b wallboardFigures
		d.getJSON("/api/wallboard", &b)
		if b.Calls.Talking != 1 || b.Calls.IVR != 0 || len(b.Queues) != 1 || b.Queues[0].Talking != 1 {
			return fmt.Sprintf("wallboard while the agent talks: %+v; want 1 talking in solo, none in the IVR", b)
		}
		var lines []struct {
			CallID string `json:"call_id"`
			Phase  string `json:"phase"`
			Doing  string `json:"doing"`
		}
		d.getJSON("/api/lines", &lines)
		for _, l := range lines {
			if l.CallID == talks.id {
				if l.Phase != "talking" || l.Doing != "talking with an agent (agent solo-1)" {
					return fmt.Sprintf("GET /api/lines: the caller's line %+v, want talking with solo-1", l)
				}
				return ""
			}
		}
		return fmt.Sprintf("GET /api/lines: no line carries call %s: %+v", talks.id, lines)
	})
	if p := d.page("/lines"); !strings.Contains(p, "与坐席通话（坐席 solo-1）") || strings.Contains(p, "语音导航") {
		t.Errorf("the line monitor does not say the caller talks with solo-1:\n%s", p)
	}

	long := place(t, d, "13900000002", "solo", 5*time.Second)
	short := place(t, d, "13900000003", "solo", 1500*time.Millisecond)
	eventually(t, 5*time.Second, func() string {
		var b wallboardFigures
		d.getJSON("/api/wallboard", &b)
		if b.Calls.Waiting != 2 || b.Calls.Talking != 1 {
			return fmt.Sprintf("wallboard with two callers waiting: %+v", b.Calls)
		}
		return ""
	})
	dialFeatureCode(t, d, "8102", "*23")
	for _, c := range []*placedCall{short, long, talks} {
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("call %s did not end", c.id)
		}
	}

	// The records: full, final (the ACD's word on the abandons comes after
	// the hangups).
	var records []store.CallRecord
	byID := map[string]store.CallRecord{}
	eventually(t, 10*time.Second, func() string {
		records = nil
		d.getJSON("/api/calls", &records)
		byID = map[string]store.CallRecord{}
		for _, r := range records {
			byID[r.ID] = r
		}
		for _, c := range []*placedCall{talks, long, short} {
			r, ok := byID[c.id]
			if !ok || r.InProgress || r.Queue == "" || r.ServiceLevelTime == 0 {
				return fmt.Sprintf("record of %s not final: %+v", c.id, r)
			}
		}
		return ""
	})
	if r := byID[talks.id]; r.Disposition != "answered" || r.Agent != "solo-1" || r.Answer.IsZero() || r.Type != "agent" {
		t.Errorf("the answered call's record: %+v", r)
	}
	if r := byID[long.id]; r.Disposition != "abandoned_queue" || r.Queue != "solo" || r.QueueWait < 3 || r.QueueWait > 6 ||
		!r.Answer.IsZero() || r.LineAnswer.IsZero() || r.ServiceLevelTime != 3 {
		t.Errorf("the record of the caller who gave up after 5 s: %+v; want abandoned in solo after 3 to 6 s, no agent's answer", r)
	}
	if r := byID[short.id]; r.Disposition != "abandoned_queue" || r.Queue != "solo" || r.QueueWait <= 0 || r.QueueWait > 3 {
		t.Errorf("the record of the caller who gave up after 1.5 s: %+v; want abandoned in solo within 3 s", r)
	}
	for _, r := range records {
		if r.Type == "feature_code" || strings.HasPrefix(r.Called, "*") {
			t.Errorf("GET /api/calls lists the feature code %+v with the customers' calls", r)
		}
	}
	var codes []store.CallRecord
	d.getJSON("/api/calls?type=feature_code", &codes)
	if len(codes) != 1 || codes[0].Called != "*23" {
		t.Errorf("GET /api/calls?type=feature_code = %+v, want the one *23", codes)
	}

	// The doc's formulas on the records of the queue.
	f := cdrtest.Count(records, "solo")
	eventually(t, 5*time.Second, func() string {
		var b wallboardFigures
		d.getJSON("/api/wallboard", &b)
		if len(b.Queues) != 1 {
			return fmt.Sprintf("wallboard queues %+v, want solo", b.Queues)
		}
		q := b.Queues[0]
		if q.Answered != f.Answered || q.AnsweredInTime != f.AnsweredInTime || q.Abandoned != f.Abandoned || q.ShortAbandoned != f.ShortAbandoned ||
			q.ServiceLevel != f.ServiceLevel {
			return fmt.Sprintf("wallboard solo %+v; the records say %d answered (%d in time), %d abandoned (%d short), service level %.2f",
				q, f.Answered, f.AnsweredInTime, f.Abandoned, f.ShortAbandoned, f.ServiceLevel)
		}
		if b.Calls.Calls != 0 || b.Calls.FeatureCodes != 0 {
			return fmt.Sprintf("calls still counted after they ended: %+v", b.Calls)
		}
		return ""
	})
	if f.Answered != 1 || f.Abandoned != 2 || f.ShortAbandoned != 1 {
		t.Errorf("records: %d answered, %d abandoned (%d short); want 1, 2 (1)", f.Answered, f.Abandoned, f.ShortAbandoned)
	}
}
