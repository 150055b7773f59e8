package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tracecall/cdr"
	"tracecall/cdr/cdrtest"
	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/web"
)

// fixedLines is a LineLister with the lines it was given.
type fixedLines []telephony.LineState

func (l fixedLines) Lines() []telephony.LineState { return l }

// liveRig is the panel's API on the unix-socket handler and the call
// record writer, both on one bus and store, as in the daemon.
type liveRig struct {
	t   *testing.T
	ts  *httptest.Server // the unix socket's handler
	tcp *httptest.Server // the panel's, for pages with the bearer token
	db  *store.DB
	pub *event.Client
}

func newLiveRig(t *testing.T, lines telephony.LineLister, src web.WallboardSource) *liveRig {
	t.Helper()
	db := storetest.Open(t)
	bus := event.New(nil)
	records := cdr.New(db, bus, nil)
	srv := web.New(web.Deps{
		Store: db, Bus: bus, Lines: lines, Wallboard: src, Figures: records, DataDir: t.TempDir(), Token: token,
		Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	ts := httptest.NewServer(srv.SocketHandler())
	t.Cleanup(ts.Close)
	tcp := httptest.NewServer(srv.TCPHandler())
	t.Cleanup(tcp.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- srv.Run(ctx) }()
	go func() { done <- records.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
	})
	return &liveRig{t: t, ts: ts, tcp: tcp, db: db, pub: bus.Client("test")}
}

// page returns the panel's page at path, in Chinese.
func (r *liveRig) page(path string) string {
	r.t.Helper()
	req, _ := http.NewRequest("GET", r.tcp.URL+path+"?lang=zh", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return string(r.fetch(r.tcp.Client(), req, path))
}

// get decodes GET path's JSON into v.
func (r *liveRig) get(path string, v any) {
	r.t.Helper()
	req, _ := http.NewRequest("GET", r.ts.URL+path, nil)
	b := r.fetch(http.DefaultClient, req, path)
	if err := json.Unmarshal(b, v); err != nil {
		r.t.Fatalf("GET %s: %v\n%s", path, err, b)
	}
}

// fetch returns the body of the answer to req, a GET of path, failing the
// test unless it is a 200.
func (r *liveRig) fetch(c *http.Client, req *http.Request, path string) []byte {
	r.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		r.t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
	}
	return b
}

// eventually polls f until it returns "" (all is as wanted) or 5 s pass;
// the writer and the live view follow the bus on their own goroutines.
func eventually(t *testing.T, f func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wallboardReply is the part of GET /api/wallboard the tests read.
type wallboardReply struct {
	Lines struct {
		InIVR int `json:"in_ivr"`
		Calls int `json:"calls_active"`
	} `json:"lines"`
	Calls struct {
		Calls, Setup, IVR, Waiting, Ringing, Talking, Callbacks int
		FeatureCodes                                            int `json:"feature_codes"`
	} `json:"calls"`
	Queues []web.WallboardQueue `json:"queues"`
	ACD    struct {
		Queues []web.WallboardQueue `json:"queues"`
	} `json:"acd"`
}

func (w wallboardReply) queue(name string) web.WallboardQueue {
	for _, q := range w.Queues {
		if q.Name == name {
			return q
		}
	}
	return web.WallboardQueue{Name: name, Summary: cdr.Summary{ServiceLevel: -1, AbandonRate: -1}}
}

// lineReply is one element of GET /api/lines.
type lineReply struct {
	Line   string `json:"line"`
	CallID string `json:"call_id"`
	Phase  string `json:"phase"`
	Doing  string `json:"doing"`
	Agent  string `json:"agent"`
}

// at is a call's event base at second s of the test's clock.
func at(id string, s int) event.Base {
	return event.Base{CallID: event.CallID(id), At: time.Now().Add(-time.Minute).Add(time.Duration(s) * time.Second)}
}

// start publishes a customer's call ringing in on line and answered by the IVR.
func (r *liveRig) start(id, line string) {
	r.pub.Publish(event.CallStarted{Base: at(id, 0), Line: line, From: "13800138000", To: "96315", Direction: "inbound"})
	r.pub.Publish(event.CallAnswered{Base: at(id, 0)})
	r.pub.Publish(event.IVRStep{Base: at(id, 0), Flow: "trace", Node: "welcome", Type: "menu"})
}

// queue puts call id in the queue trace (service level time 20 s).
func (r *liveRig) queue(id string) {
	r.pub.Publish(event.IVRStep{Base: at(id, 2), Flow: "trace", Node: "agent", Type: "queue"})
	r.pub.Publish(event.CallQueued{Base: at(id, 2), Queue: "trace", Position: 1})
}

const sl = 20 * time.Second

// TestLiveViewsAndRecordsAgree: while calls are in the IVR, waiting,
// ringing an agent and talking with one, /api/wallboard and /api/lines say
// so by the same definitions; once they end, the wallboard's answered,
// abandoned and service level for the queue are the records' (GET
// /api/calls) by the formulas of the help; an agent's feature code counts
// nowhere.
func TestLiveViewsAndRecordsAgree(t *testing.T) {
	lines := fixedLines{
		{Line: "sim/1", State: telephony.LineInCall, CallID: "ivr"},
		{Line: "sim/2", State: telephony.LineInCall, CallID: "waits"},
		{Line: "sim/3", State: telephony.LineInCall, CallID: "rings"},
		{Line: "sim/4", State: telephony.LineInCall, CallID: "talks"},
		{Line: "sim/5", State: telephony.LineIdle},
	}
	r := newLiveRig(t, lines, board{&web.WallboardSnapshot{Queues: []web.WallboardQueue{{Name: "trace"}}}})
	r.start("ivr", "sim/1")
	r.start("waits", "sim/2")
	r.queue("waits")
	r.start("rings", "sim/3")
	r.queue("rings")
	r.pub.Publish(event.CallOffered{Base: at("rings", 3), Queue: "trace", Agent: "8001"})
	r.start("talks", "sim/4")
	r.queue("talks")
	r.pub.Publish(event.CallOffered{Base: at("talks", 3), Queue: "trace", Agent: "8002"})
	r.pub.Publish(event.CallTaken{Base: at("talks", 5), Queue: "trace", Agent: "8002", Wait: 3 * time.Second, ServiceLevel: sl})
	r.pub.Publish(event.RoomJoined{Base: at("talks", 5), Leg: "sim/4/x", Line: "sim/4", Mode: "talk"})
	r.pub.Publish(event.RoomJoined{Base: at("talks", 5), Leg: "sim/phone/8002/x", Line: "sim/phone/8002", Mode: "talk"})
	// Agent 8003's phone dials *21: on a line the drivers do not list.
	r.pub.Publish(event.CallStarted{Base: at("fc", 0), Line: "sim/phone/8003", From: "8003", To: "*21", Direction: "inbound"})
	r.pub.Publish(event.CallAnswered{Base: at("fc", 0)})
	r.pub.Publish(event.IVRStep{Base: at("fc", 0), Flow: "agent_login", Node: "apply", Type: "agent_state"})

	eventually(t, func() string {
		var w wallboardReply
		r.get("/api/wallboard", &w)
		c, q := w.Calls, w.queue("trace")
		if c.Calls != 4 || c.IVR != 1 || c.Waiting != 1 || c.Ringing != 1 || c.Talking != 1 || c.FeatureCodes != 1 ||
			w.Lines.InIVR != 1 || w.Lines.Calls != 4 {
			return fmt.Sprintf("wallboard calls %+v lines %+v; want 4 calls: 1 in the IVR, 1 waiting, 1 ringing an agent, 1 talking; 1 feature code apart", c, w.Lines)
		}
		if q.Waiting != 1 || q.Ringing != 1 || q.Talking != 1 {
			return fmt.Sprintf("queue trace %+v; want 1 waiting, 1 ringing, 1 talking", q)
		}
		if len(w.ACD.Queues) != 1 || w.ACD.Queues[0] != q {
			return fmt.Sprintf("the ACD section's queues %+v differ from the queues' %+v", w.ACD.Queues, q)
		}
		return ""
	})
	var got []lineReply
	r.get("/api/lines", &got)
	want := map[string]lineReply{
		"sim/1":          {Phase: "ivr", Doing: "in the IVR (menu)"},
		"sim/2":          {Phase: "waiting", Doing: "waiting in a queue (queue trace)"},
		"sim/3":          {Phase: "ringing", Doing: "ringing an agent (queue trace, ringing 8001)"},
		"sim/4":          {Phase: "talking", Doing: "talking with an agent (agent 8002)", Agent: "8002"},
		"sim/5":          {},
		"sim/phone/8003": {Phase: "ivr", Doing: "agent feature code"},
	}
	if len(got) != len(want) {
		t.Errorf("GET /api/lines = %+v, want the 5 lines and the feature code's phone", got)
	}
	for _, l := range got {
		w, ok := want[l.Line]
		if !ok || l.Phase != w.Phase || l.Doing != w.Doing || l.Agent != w.Agent {
			t.Errorf("line %s: phase %q doing %q agent %q; want %q %q %q", l.Line, l.Phase, l.Doing, l.Agent, w.Phase, w.Doing, w.Agent)
		}
	}

	// The calls end: the waiting caller gives up after 25 s (the ACD says
	// so after the end), the ringing one is taken late, another caller
	// gives up after 4 s (a short abandon); the feature code ends.
	r.pub.Publish(event.CallEnded{Base: at("waits", 27), By: "caller", Cause: "normal"})
	r.pub.Publish(event.CallAbandonedQueue{Base: at("waits", 27), Queue: "trace", Wait: 25 * time.Second, Position: 1, ServiceLevel: sl})
	r.pub.Publish(event.CallTaken{Base: at("rings", 32), Queue: "trace", Agent: "8001", Wait: 30 * time.Second, ServiceLevel: sl})
	r.pub.Publish(event.CallEnded{Base: at("rings", 50), By: "ivr"})
	r.pub.Publish(event.CallEnded{Base: at("talks", 40), By: "caller"})
	r.start("short", "sim/5")
	r.queue("short")
	r.pub.Publish(event.CallEnded{Base: at("short", 6), By: "caller"})
	r.pub.Publish(event.CallAbandonedQueue{Base: at("short", 6), Queue: "trace", Wait: 4 * time.Second, Position: 1, ServiceLevel: sl})
	r.pub.Publish(event.CallEnded{Base: at("fc", 1), By: "ivr"})
	r.pub.Publish(event.CallEnded{Base: at("ivr", 30), By: "ivr"})

	var records []store.CallRecord
	eventually(t, func() string {
		records = nil
		r.get("/api/calls", &records)
		if len(records) != 5 {
			return fmt.Sprintf("GET /api/calls lists %d records, want the 5 customers' calls", len(records))
		}
		for _, c := range records {
			if c.InProgress || c.ID == "waits" && c.QueueWait != 25 {
				return fmt.Sprintf("record %s not final yet: %+v", c.ID, c)
			}
		}
		return ""
	})
	byID := map[string]store.CallRecord{}
	for _, c := range records {
		byID[c.ID] = c
	}
	if c := byID["waits"]; c.Disposition != cdr.AbandonedQueue || c.Queue != "trace" || c.QueueWait != 25 || !c.Answer.IsZero() || c.LineAnswer.IsZero() {
		t.Errorf("the caller who gave up in the queue: %+v; want abandoned_queue in trace after 25 s, the line answered, no agent", c)
	}
	if c := byID["talks"]; c.Disposition != cdr.Answered || c.Agent != "8002" || c.QueueWait != 3 || c.Answer.IsZero() {
		t.Errorf("the answered call: %+v", c)
	}
	var fc []store.CallRecord
	r.get("/api/calls?type=feature_code", &fc)
	if len(fc) != 1 || fc[0].ID != "fc" || fc[0].Type != cdr.TypeFeatureCode {
		t.Errorf("feature-code records = %+v, want the one call", fc)
	}

	// The formulas of the help, on the records.
	f := cdrtest.Count(records, "trace")
	if f.Answered != 2 || f.Abandoned != 2 || f.ShortAbandoned != 1 || f.AnsweredInTime != 1 {
		t.Fatalf("records: %d answered (%d in time), %d abandoned (%d short); want 2 (1), 2 (1)", f.Answered, f.AnsweredInTime, f.Abandoned, f.ShortAbandoned)
	}
	eventually(t, func() string {
		var w wallboardReply
		r.get("/api/wallboard", &w)
		q := w.queue("trace")
		if q.Answered != f.Answered || q.AnsweredInTime != f.AnsweredInTime || q.Abandoned != f.Abandoned || q.ShortAbandoned != f.ShortAbandoned ||
			q.ServiceLevel != f.ServiceLevel || q.AbandonRate != 0.5 {
			return fmt.Sprintf("wallboard queue trace %+v; want the records' %d answered (%d in time), %d abandoned (%d short), service level %.3f, abandon rate 0.5",
				q, f.Answered, f.AnsweredInTime, f.Abandoned, f.ShortAbandoned, f.ServiceLevel)
		}
		if w.Calls.Calls != 0 || w.Calls.FeatureCodes != 0 {
			return fmt.Sprintf("calls in progress %+v after they all ended", w.Calls)
		}
		return ""
	})
}

// TestLinesPageSaysTalking: the line monitor, in Chinese, shows a caller
// with an agent as talking with that agent, in words, with no node id.
func TestLinesPageSaysTalking(t *testing.T) {
	r := newLiveRig(t, fixedLines{{Line: "sim/1", State: telephony.LineInCall, CallID: "c1"}}, nil)
	r.start("c1", "sim/1")
	r.queue("c1")
	r.pub.Publish(event.CallOffered{Base: at("c1", 3), Queue: "trace", Agent: "8001"})
	r.pub.Publish(event.CallTaken{Base: at("c1", 5), Queue: "trace", Agent: "8001", Wait: 3 * time.Second, ServiceLevel: sl})
	eventually(t, func() string {
		var got []lineReply
		r.get("/api/lines", &got)
		if len(got) != 1 || got[0].Phase != "talking" {
			return fmt.Sprintf("lines %+v, want sim/1 talking", got)
		}
		return ""
	})
	body := r.page("/lines")
	if !strings.Contains(body, "与坐席通话（坐席 8001）") || strings.Contains(body, "trace/agent") || strings.Contains(body, "语音导航") {
		t.Errorf("the line monitor does not say talking in words:\n%s", body)
	}
}
