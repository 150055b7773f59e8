package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// startConfigured runs tracecalld with its own config file (a path under
// testdata/ or a file the test wrote) on a fresh data directory, with SIP
// off, plus flags, and waits until it answers. It is startDaemon for tests
// that need queues, agents or flows of their own.
func startConfigured(t *testing.T, config string, flags ...string) *daemon {
	t.Helper()
	data := t.TempDir()
	d := &daemon{t: t, data: data}
	d.launch(append([]string{"-config", config, "-data", data, "-http", "127.0.0.1:0", "-sip", "off"}, flags...)...)
	return d
}

// placedCall is a simulated caller on the line: its id, and done closed when
// the call's stream ended.
type placedCall struct {
	id, ani, dnis string
	done          chan struct{}
	err           error
}

// place puts a caller from ani on dnis who hangs up dur after dialling.
func place(t *testing.T, d *daemon, ani, dnis string, dur time.Duration) *placedCall {
	t.Helper()
	return placeKeying(t, d, ani, dnis, "", dur)
}

// placeKeying is place for a caller who keys the DTMF script dtmf.
func placeKeying(t *testing.T, d *daemon, ani, dnis, dtmf string, dur time.Duration) *placedCall {
	t.Helper()
	pc := &placedCall{ani: ani, dnis: dnis, done: make(chan struct{})}
	ch := make(chan line, 1000)
	ids := make(chan string, 1)
	body := fmt.Sprintf(`{"ani":%q,"dnis":%q,"dtmf":%q,"timeout":%q}`, ani, dnis, dtmf, dur.String())
	go func() {
		pc.err = d.simCall(body, ch)
		close(ch)
	}()
	go func() {
		defer close(pc.done)
		for l := range ch {
			if l.Type == "call" {
				ids <- l.CallID
			}
		}
	}()
	select {
	case pc.id = <-ids:
	case <-pc.done:
		t.Fatalf("call %s → %s: %v", ani, dnis, pc.err)
	}
	return pc
}

// acdScene is one queue's part of the test: its calls in the order placed.
type acdScene struct {
	t     *testing.T
	d     *daemon
	w     *eventWatch
	queue string
	calls []*placedCall
	want  []string // the agent each call should reach
}

// Call durations: a short call ends soon after an agent takes it, a long one
// keeps its agent busy while the scene places others.
const (
	shortCall = 1500 * time.Millisecond
	longCall  = 6 * time.Second
)

// take places a call from ani to the scene's queue and waits until an agent
// has it, which must be want ("" for any); it returns the call and its agent.
func (s *acdScene) take(ani string, dur time.Duration, want string) (*placedCall, string) {
	s.t.Helper()
	c := place(s.t, s.d, ani, s.queue, dur)
	var got takenCall
	err := s.w.wait(10*time.Second, "agent for call "+c.id+" in "+s.queue, func() bool {
		tc, ok := s.w.taken[c.id]
		got = tc
		return ok
	})
	if err != nil {
		var agents []string
		for i := 1; i <= 3; i++ {
			agents = append(agents, fmt.Sprintf("%s-%d", s.queue, i))
		}
		s.t.Fatalf("%v (%s)", err, s.w.describe(c.id, agents))
	}
	if want != "" && got.agent != want {
		s.t.Errorf("%s call %d from %s went to %s, want %s", s.queue, len(s.calls)+1, ani, got.agent, want)
	}
	s.calls = append(s.calls, c)
	s.want = append(s.want, want)
	return c, got.agent
}

// finish waits until c's caller has hung up and its agent is ready again.
func (s *acdScene) finish(c *placedCall) {
	s.t.Helper()
	select {
	case <-c.done:
	case <-time.After(longCall + 10*time.Second):
		s.t.Fatalf("call %s did not end", c.id)
	}
	if c.err != nil {
		s.t.Fatalf("call %s: %v", c.id, c.err)
	}
	s.w.mu.Lock()
	tc := s.w.taken[c.id]
	s.w.mu.Unlock()
	s.w.until(s.t, 5*time.Second, tc.agent+" ready after "+c.id, func() bool {
		return slices.Contains(s.w.states[tc.agent][tc.seq:], "ready")
	})
}

// callRecord is the part of GET /api/calls/{id} the ACD writes.
type callRecord struct {
	ID          string   `json:"id"`
	Line        string   `json:"line"`
	Caller      string   `json:"caller"`
	Called      string   `json:"called"`
	Disposition string   `json:"disposition"`
	InProgress  bool     `json:"inProgress"`
	Queue       string   `json:"queue"`
	QueueWait   float64  `json:"queueWait"`
	Agent       string   `json:"agent"`
	AgentsTried []string `json:"agentsTried"`
	Codes       []struct {
		Code, Result string
	} `json:"codes"`
}

// record fetches call id's record once it is closed.
func record(t *testing.T, d *daemon, id string) callRecord {
	t.Helper()
	var r callRecord
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := d.sock.Get("http://tracecalld/api/calls/" + id)
		if err != nil {
			t.Fatal(err)
		}
		r = callRecord{}
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err == nil && resp.StatusCode == 200 && !r.InProgress {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("call record %s: %d %v %+v", id, resp.StatusCode, err, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// check reads every call's record: the queue, the agent the scene expected,
// the agents tried (exactly want when the rule rings one agent at a time)
// and a queue wait no longer than the call.
func (s *acdScene) check(tried func(i int, r callRecord)) []callRecord {
	s.t.Helper()
	var recs []callRecord
	var got []string
	for i, c := range s.calls {
		select {
		case <-c.done:
		case <-time.After(longCall + 10*time.Second):
			s.t.Fatalf("call %s did not end", c.id)
		}
		r := record(s.t, s.d, c.id)
		recs = append(recs, r)
		got = append(got, r.Agent)
		if r.Queue != s.queue || r.Disposition != "answered" || r.Caller != c.ani {
			s.t.Errorf("call %d record: queue %q, disposition %q, caller %q; want %s, answered, %s",
				i+1, r.Queue, r.Disposition, r.Caller, s.queue, c.ani)
		}
		if s.want[i] != "" && r.Agent != s.want[i] {
			s.t.Errorf("call %d record: agent %q, want %q", i+1, r.Agent, s.want[i])
		}
		if r.QueueWait < 0 || r.QueueWait > longCall.Seconds()*2 {
			s.t.Errorf("call %d record: queue wait %.2f s", i+1, r.QueueWait)
		}
		if tried != nil {
			tried(i, r)
		} else if !slices.Equal(r.AgentsTried, []string{r.Agent}) {
			s.t.Errorf("call %d record: agents tried %v, want only %s", i+1, r.AgentsTried, r.Agent)
		}
	}
	s.t.Logf("%s: calls went to %v", s.queue, got)
	return recs
}

// TestACDStrategiesInDaemon proves each distribution rule on the real daemon:
// testdata/acd.toml gives every strategy a queue of its own, with its own
// agents on simulated phones (which answer 0.3 s after they ring) logged in
// by -demo, and a dialled number whose flow is only that queue. Simulated
// callers are placed over the API; who got each call comes from the ACD's
// events and is then checked against the call records (queue, agent, agents
// tried, queue wait). The queues run at the same time in one daemon.
func TestACDStrategiesInDaemon(t *testing.T) {
	d := startConfigured(t, "testdata/acd.toml", "-demo")
	w := watchEvents(t, d)
	scene := func(t *testing.T, queue string) *acdScene {
		return &acdScene{t: t, d: d, w: w, queue: queue}
	}
	// The rules run side by side, each subtest on its own goroutine rather
	// than with t.Parallel, which -parallel (GOMAXPROCS) would cap at two.
	var wg sync.WaitGroup
	run := func(t *testing.T, name string, f func(t *testing.T)) {
		wg.Go(func() { t.Run(name, f) })
	}
	start := time.Now()
	t.Run("rules", func(t *testing.T) {
		defer wg.Wait()
		// linear: the first free agent in configured order, every time.
		run(t, "linear", func(t *testing.T) {
			s := scene(t, "linear")
			for range 2 {
				c, _ := s.take("13900000101", shortCall, "linear-1")
				s.finish(c)
			}
			c1, _ := s.take("13900000102", longCall, "linear-1")
			c2, _ := s.take("13900000103", longCall, "linear-2")
			c3, _ := s.take("13900000104", shortCall, "linear-3")
			s.finish(c3)
			s.finish(c1)
			s.finish(c2)
			c, _ := s.take("13900000105", shortCall, "linear-1")
			s.finish(c)
			s.check(nil)
		})
		// circular: round robin from the agent last offered a call.
		run(t, "circular", func(t *testing.T) {
			s := scene(t, "circular")
			for _, want := range []string{"circular-1", "circular-2", "circular-3", "circular-1", "circular-2"} {
				c, _ := s.take("13900000201", shortCall, want)
				s.finish(c)
			}
			s.check(nil)
		})
		// priority: the highest priority number first (priority-2 has 9,
		// priority-3 5, priority-1 1), whatever the configured order.
		run(t, "priority", func(t *testing.T) {
			s := scene(t, "priority")
			long, _ := s.take("13900000301", longCall, "priority-2")
			for range 2 {
				c, _ := s.take("13900000302", shortCall, "priority-3")
				s.finish(c)
			}
			s.finish(long)
			c, _ := s.take("13900000303", shortCall, "priority-2")
			s.finish(c)
			s.check(nil)
		})
		// fewest_answered: fewest-2 has answered two calls while fewest-1 was
		// on a long one; fewest-1 gets the next although fewest-2 has been
		// idle longer, then with the counts equal the longer idle wins.
		run(t, "fewest_answered", func(t *testing.T) {
			s := scene(t, "fewest")
			long, _ := s.take("13900000401", longCall, "fewest-1")
			for range 2 {
				c, _ := s.take("13900000402", shortCall, "fewest-2")
				s.finish(c)
			}
			s.finish(long)
			c, _ := s.take("13900000403", shortCall, "fewest-1")
			s.finish(c)
			c, _ = s.take("13900000404", shortCall, "fewest-2")
			s.finish(c)
			s.check(nil)
		})
		// longest_idle: the agent whose last call ended longest ago; idle-2
		// and idle-3 finish short calls while idle-1 is on a long one, so
		// after it the order is 2, 3, 1 (linear would say 1, circular 1).
		run(t, "longest_idle", func(t *testing.T) {
			s := scene(t, "idle")
			long, _ := s.take("13900000501", longCall, "idle-1")
			c, _ := s.take("13900000502", shortCall, "idle-2")
			s.finish(c)
			c, _ = s.take("13900000503", shortCall, "idle-3")
			s.finish(c)
			s.finish(long)
			for _, want := range []string{"idle-2", "idle-3", "idle-1"} {
				c, _ := s.take("13900000504", shortCall, want)
				s.finish(c)
			}
			s.check(nil)
		})
		// call_memory: a caller goes back to the agent who served them last
		// when that agent is free, else to the longest idle.
		run(t, "call_memory", func(t *testing.T) {
			s := scene(t, "memory")
			x, y, z, n := "13900000601", "13900000602", "13900000603", "13900000604"
			for _, step := range []struct{ ani, want string }{
				{x, "memory-1"}, {y, "memory-2"}, {z, "memory-3"},
				{y, "memory-2"}, // longest idle is memory-1
				{x, "memory-1"}, // longest idle is memory-3
			} {
				c, _ := s.take(step.ani, shortCall, step.want)
				s.finish(c)
			}
			// Idle order now memory-3, memory-2, memory-1. A new caller takes
			// memory-3; z's agent is busy, so z gets the longest idle.
			long, _ := s.take(n, longCall, "memory-3")
			c, _ := s.take(z, shortCall, "memory-2")
			s.finish(c)
			s.finish(long)
			s.check(nil)
		})
		// ring_all: every free agent rings at once and one answers; with one
		// agent busy, only the other two ring.
		run(t, "ring_all", func(t *testing.T) {
			s := scene(t, "ringall")
			all := []string{"ringall-1", "ringall-2", "ringall-3"}
			c, _ := s.take("13900000701", shortCall, "")
			s.finish(c)
			long, busy := s.take("13900000702", longCall, "")
			c, _ = s.take("13900000703", shortCall, "")
			s.finish(c)
			s.finish(long)
			others := slices.DeleteFunc(slices.Clone(all), func(a string) bool { return a == busy })
			s.check(func(i int, r callRecord) {
				want := all
				if i == 2 {
					want = others
				}
				tried := slices.Sorted(slices.Values(r.AgentsTried))
				if !slices.Equal(tried, want) || !slices.Contains(want, r.Agent) {
					t.Errorf("call %d: agent %s, agents tried %v; want all of %v rung and one of them", i+1, r.Agent, r.AgentsTried, want)
				}
			})
			// One call is one row, however many agents it rang.
			var rows []callRecord
			if code := d.api("GET", "/api/calls?caller=1390000070", nil, &rows); code != 200 || len(rows) != len(s.calls) {
				t.Errorf("GET /api/calls for the ring-all callers = %d, %d rows; want one per call (%d)", code, len(rows), len(s.calls))
			}
		})
		// random: 14 calls in a row between two agents reach both, and not
		// in the order linear or circular would give. (By chance that fails
		// once in about 4,000 runs.)
		run(t, "random", func(t *testing.T) {
			s := scene(t, "random")
			var got []string
			for range 14 {
				c, a := s.take("13900000801", shortCall, "")
				got = append(got, a)
				s.finish(c)
			}
			s.check(nil)
			count := map[string]int{}
			alternating := true
			for i, a := range got {
				count[a]++
				if i > 0 && a == got[i-1] {
					alternating = false
				}
			}
			if count["random-1"] == 0 || count["random-2"] == 0 || alternating {
				t.Errorf("random picks %v: want both agents, not strictly alternating", got)
			}
		})
		// Caller priority: vip-1 serves the plain queue and the VIP queue
		// (priority 5). While it is busy a plain caller starts waiting, then
		// a VIP caller; the VIP caller is served first.
		run(t, "caller_priority", func(t *testing.T) {
			plain := &acdScene{t: t, d: d, w: w, queue: "plain"}
			vip := &acdScene{t: t, d: d, w: w, queue: "vip"}
			busy, _ := plain.take("13900000901", 4*time.Second, "vip-1")
			waiting := place(t, d, "13900000902", "plain", 10*time.Second)
			// The plain caller waits first: the other comes once it is queued.
			w.until(t, 5*time.Second, "the plain caller queued", func() bool { _, ok := w.queued[waiting.id]; return ok })
			first := place(t, d, "13900000903", "vip", 7*time.Second)
			for _, c := range []*placedCall{first, waiting} {
				w.until(t, 15*time.Second, "agent for "+c.dnis+" caller", func() bool {
					_, ok := w.taken[c.id]
					return ok
				})
			}
			w.mu.Lock()
			tf, tw := w.taken[first.id], w.taken[waiting.id]
			w.mu.Unlock()
			if !tf.at.Before(tw.at) {
				t.Errorf("VIP caller taken at %v, plain caller (waiting longer) at %v: want VIP first", tf.at, tw.at)
			}
			plain.calls = append(plain.calls, waiting)
			plain.want = append(plain.want, "vip-1")
			vip.calls, vip.want = []*placedCall{first}, []string{"vip-1"}
			plain.finish(busy)
			pr, vr := plain.check(nil), vip.check(nil)
			if vr[0].QueueWait >= pr[1].QueueWait || vr[0].QueueWait < 2 {
				t.Errorf("queue waits: VIP %.1f s, plain %.1f s; want the VIP caller (who came later) served after the busy call and first",
					vr[0].QueueWait, pr[1].QueueWait)
			}
		})
		// Caller priority from the customer book: a caller whose number
		// belongs to a VIP customer goes before a caller who has waited
		// longer, in the same queue.
		run(t, "vip_customer", func(t *testing.T) {
			const vipNumber = "13900000953"
			var created struct{ ID string }
			body := strings.NewReader(`{"name":"测试贵宾","numbers":["` + vipNumber + `"],"class":"vip"}`)
			if code := d.api("POST", "/api/customers", body, &created); code != http.StatusCreated {
				t.Fatalf("POST /api/customers = %d", code)
			}
			s := &acdScene{t: t, d: d, w: w, queue: "customers"}
			busy, _ := s.take("13900000951", 4*time.Second, "customers-1")
			waiting := place(t, d, "13900000952", "customers", 10*time.Second)
			// The plain caller waits first: the other comes once it is queued.
			w.until(t, 5*time.Second, "the plain caller queued", func() bool { _, ok := w.queued[waiting.id]; return ok })
			vip := place(t, d, vipNumber, "customers", 7*time.Second)
			w.until(t, 5*time.Second, "the VIP caller queued", func() bool { _, ok := w.queued[vip.id]; return ok })
			w.mu.Lock()
			prio := w.queued[vip.id]
			w.mu.Unlock()
			if prio == 0 {
				s.finish(busy)
				t.Fatal("the VIP customer's call was queued with priority 0: the IVR's queue node did not ask the customer book (ivr.Deps.Customers in cmd/tracecalld/run.go)")
			}
			for _, c := range []*placedCall{vip, waiting} {
				w.until(t, 15*time.Second, "agent for "+c.ani, func() bool { _, ok := w.taken[c.id]; return ok })
			}
			w.mu.Lock()
			tv, tw := w.taken[vip.id], w.taken[waiting.id]
			w.mu.Unlock()
			if !tv.at.Before(tw.at) {
				t.Errorf("VIP customer taken at %v, the caller who waited longer at %v: want the VIP first", tv.at, tw.at)
			}
			s.calls = append(s.calls, vip, waiting)
			s.want = append(s.want, "customers-1", "customers-1")
			s.finish(busy)
			s.check(nil)
		})
	})
	t.Logf("all rules in %v", time.Since(start).Round(100*time.Millisecond))
}
