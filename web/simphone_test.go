package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/web"
)

// fakePhones is a Simulator with phones: SimPhone keeps the request, says
// something on the dialled call before the phone reports its answer (the bus
// may well be ahead of the phone), then reports the call's end.
type fakePhones struct {
	bus *event.Bus
	got chan web.SimPhone
}

func (f *fakePhones) SimCall(context.Context, web.SimCall) (func(context.Context) (web.SimResult, error), error) {
	return nil, nil
}

func (f *fakePhones) SimPhone(ctx context.Context, p web.SimPhone) (<-chan web.SimPhoneEvent, error) {
	f.got <- p
	out := make(chan web.SimPhoneEvent, 8)
	now := time.Now()
	out <- web.SimPhoneEvent{Type: "dialling", CallID: p.DialCallID, From: p.Ext, To: p.Dial, At: now}
	f.bus.Client("ivr").Publish(event.Said{Base: event.Base{CallID: p.DialCallID, At: now}, Lang: "zh", Prompt: "agent_logged_in", Text: "已签入。"})
	f.bus.Client("ivr").Publish(event.Said{Base: event.Base{CallID: "other", At: now}, Lang: "zh", Text: "not this call"})
	go func() {
		time.Sleep(20 * time.Millisecond)
		out <- web.SimPhoneEvent{Type: "answered", CallID: p.DialCallID, From: p.Ext, To: p.Dial, At: now}
		out <- web.SimPhoneEvent{Type: "hangup", CallID: p.DialCallID, From: p.Ext, To: p.Dial, By: "appliance", Cause: "normal", At: now}
		<-ctx.Done()
		close(out)
	}()
	return out, nil
}

// simPhoneServer is the TCP API of a panel whose simulated phones are a
// fakePhones.
func simPhoneServer(t *testing.T) (*httptest.Server, *fakePhones) {
	bus := event.New(nil)
	f := &fakePhones{bus: bus, got: make(chan web.SimPhone, 1)}
	s := web.New(web.Deps{Store: storetest.Open(t), Bus: bus, Token: token, DataDir: t.TempDir(), Simulator: f})
	ts := httptest.NewServer(s.TCPHandler())
	t.Cleanup(ts.Close)
	return ts, f
}

func TestSimPhone(t *testing.T) {
	ts, f := simPhoneServer(t)

	req, _ := http.NewRequest("POST", ts.URL+"/api/sim/phone", strings.NewReader(`{"ext":"8001","answer_after":"-1s","dial":"*21"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("%s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	var types []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		typ, _ := ev["type"].(string)
		types = append(types, typ)
		if typ == "said" && ev["text"] != "已签入。" {
			t.Errorf("said %v", ev)
		}
		if typ == "hangup" {
			if ev["by"] != "appliance" {
				t.Errorf("hangup %v", ev)
			}
			break
		}
	}
	if got := strings.Join(types, " "); got != "phone dialling answered said hangup" {
		t.Errorf("stream %q, want the said line after the answer", got)
	}
	p := <-f.got
	if p.Ext != "8001" || !p.SetAnswerAfter || p.AnswerAfter != -time.Second || p.Dial != "*21" || p.DialCallID == "" {
		t.Errorf("phone asked for %+v", p)
	}
}

func TestSimPhoneBadRequests(t *testing.T) {
	ts, _ := simPhoneServer(t)
	tests := []struct {
		name, body, reason string
	}{
		{name: "no ext", body: `{}`, reason: "bad_ext"},
		{name: "ext with letters", body: `{"ext":"80a1"}`, reason: "bad_ext"},
		{name: "ext a code", body: `{"ext":"*21"}`, reason: "bad_ext"},
		{name: "bad answer after", body: `{"ext":"8001","answer_after":"soon"}`, reason: "bad_answer_after"},
		{name: "bad dial", body: `{"ext":"8001","dial":"*2;1"}`, reason: "bad_dial"},
		{name: "unknown field", body: `{"ext":"8001","volume":3}`, reason: "bad_json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e struct{ Error, Reason string }
			if code := do(t, ts, "POST", "/api/sim/phone", token, []byte(tt.body), &e); code != 400 || e.Reason != tt.reason || e.Error == "" {
				t.Errorf("%d %+v, want 400 %s", code, e, tt.reason)
			}
		})
	}
	// Without simulated lines, and without a login.
	ts2, _ := newServer(t)
	if code := do(t, ts2, "POST", "/api/sim/phone", token, []byte(`{"ext":"8001"}`), nil); code != 503 {
		t.Errorf("without simulated phones = %d, want 503", code)
	}
	if code := do(t, ts2, "POST", "/api/sim/phone", "", []byte(`{"ext":"8001"}`), nil); code != 401 && code != 403 {
		t.Errorf("anonymous = %d, want refused", code)
	}
}
