package acd_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"tracecall/acd"
	"tracecall/telephony/event"
)

func TestRuntimeAddQueueAndAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "q1", Strategy: acd.StrategyLinear}},
			Agents: agents("a1"),
		}, 1)
		ctx := t.Context()
		r.login("a1")
		r.check(r.acd.AddAgent(ctx, acd.AgentConfig{ID: "a2", Name: "王芳", Extension: "sim:a2", Skills: map[string]int{"veg": 5}}))
		r.check(r.acd.AddQueue(ctx, acd.QueueConfig{Name: "veg", Strategy: acd.StrategyLinear, Skills: map[string]int{"veg": 3}}))
		r.wantState("a1", acd.StateReady, "") // untouched by the change
		r.login("a2")
		r.serve("c1", "veg", "", "a2")
		r.serve("c2", "q1", "", "a1") // a2 is talking; q1 (every agent) has a1

		cfg, err := r.acd.Config(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Queues) != 2 || cfg.Queues[1].Name != "veg" || cfg.Queues[1].RingTimeout != 20*time.Second {
			t.Errorf("Config queues = %+v, want q1 and veg with defaults", cfg.Queues)
		}
		if len(cfg.Agents) != 2 || cfg.Agents[1].Name != "王芳" || cfg.Agents[1].Role != acd.RoleAgent {
			t.Errorf("Config agents = %+v", cfg.Agents)
		}
		cfg.Queues[0].Name = "changed" // a copy
		wantErr(t, r.acd.AddQueue(ctx, acd.QueueConfig{Name: "veg"}), acd.ErrQueueExists)
		wantErr(t, r.acd.AddAgent(ctx, acd.AgentConfig{ID: "a1", Extension: "sim:9"}), acd.ErrAgentExists)
		wantErr(t, r.acd.ReplaceQueue(ctx, acd.QueueConfig{Name: "nope"}), acd.ErrUnknownQueue)
		wantErr(t, r.acd.RemoveAgent(ctx, "nope"), acd.ErrUnknownAgent)
		if q := r.queue("q1"); q.Answered != 1 {
			t.Errorf("q1 answered %d, want 1", q.Answered)
		}
	})
}

func TestRuntimeReplaceQueueKeepsCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "q", Strategy: acd.StrategyLinear}},
			Agents: agents("a1", "a2"),
		}, 1)
		ctx := t.Context()
		r.login("a1")
		r.serve("c0", "q", "", "a1")
		r.enqueue("c1", "q", "", 0)
		r.enqueue("c2", "q", "", 0)
		r.sleep(20 * time.Second)
		// Now with a max wait of 30 s, a higher priority and only a2 as member.
		r.check(r.acd.ReplaceQueue(ctx, acd.QueueConfig{Name: "q", Strategy: acd.StrategyLinear,
			Agents: []string{"a2"}, MaxWait: 30 * time.Second, Priority: 5}))
		q := r.queue("q")
		if q.Waiting != 2 || q.Calls[0].ID != "c1" || q.Calls[0].Priority != 5 || q.Calls[0].Wait != 20*time.Second {
			t.Fatalf("after the change: %+v", q)
		}
		if q.Answered != 1 || q.Members != 1 {
			t.Errorf("answered %d members %d, want 1 and 1 (the day's counts stay)", q.Answered, q.Members)
		}
		if got := r.agent("a1"); got.State != acd.StateTalking || len(got.Queues) != 0 {
			t.Errorf("a1 = %+v, want talking and in no queue", got)
		}
		r.end("c0") // a1 is free, but no longer serves q
		r.none()
		r.sleep(9 * time.Second)
		if q := r.queue("q"); q.Waiting != 2 {
			t.Fatalf("waiting %d after 29 s, want 2", q.Waiting)
		}
		r.sleep(time.Second) // 30 s since they queued: max wait
		if got := r.diverted(); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"c1 goodbye", "c2 goodbye"}) {
			t.Errorf("diverted %v, want c1 and c2 sent on at 30 s of waiting", got)
		}
	})
}

func TestRuntimeRemoveQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{
				{Name: "main", Strategy: acd.StrategyLinear, Agents: []string{"a1"}, Overflow: "queue backup"},
				{Name: "backup", Strategy: acd.StrategyLinear, Agents: []string{"a2"}},
			},
			Agents: agents("a1", "a2"),
		}, 1)
		ctx := t.Context()
		r.login("a1")
		r.serve("c0", "main", "", "a1")
		r.enqueue("c1", "main", "", 0)
		r.enqueue("c2", "main", "", 0)

		err := r.acd.RemoveQueue(ctx, "backup")
		fes := acd.FieldErrors(err)
		if len(fes) != 1 || fes[0].Field != "" || fes[0].Key != "acd.queues[0].overflow" {
			t.Fatalf("removing an overflow target: %v (%+v), want one field error on main's overflow", err, fes)
		}

		r.check(r.acd.RemoveQueue(ctx, "main"))
		q := r.queue("backup")
		if q.Waiting != 2 || q.Calls[0].ID != "c1" || q.Calls[1].ID != "c2" {
			t.Fatalf("backup after main went: %+v", q)
		}
		if n := len(ofType[event.CallOverflowed](r.ev)); n != 2 {
			t.Errorf("%d CallOverflowed events, want 2", n)
		}
		r.login("a2")
		r.offered("c1", "a2")
		r.end("c0") // a1's call from the removed queue ends as usual
		r.wantState("a1", acd.StateReady, "")
	})
}

func TestRuntimeRemoveAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "q", Strategy: acd.StrategyLinear, WrapUp: 10 * time.Second}},
			Agents: agents("a1", "a2", "a3"),
		}, 1)
		ctx := t.Context()
		r.login("a1", "a2", "a3")
		r.serve("c1", "q", "", "a1")
		r.enqueue("c2", "q", "", 0)
		offers := r.offered("c2", "a2")

		// a2 rings: the offer is withdrawn and goes to a3; a2 is logged out.
		r.check(r.acd.RemoveAgent(ctx, "a2"))
		if offers[0].ctx.Err() == nil {
			t.Error("the removed agent's offer still rings")
		}
		r.offered("c2", "a3")
		// a1 talks: they finish the call and its wrap-up, then leave.
		r.check(r.acd.RemoveAgent(ctx, "a1"))
		cfg, _ := r.acd.Config(ctx)
		if len(cfg.Agents) != 1 || cfg.Agents[0].ID != "a3" {
			t.Errorf("config agents %+v, want a3 only", cfg.Agents)
		}
		r.wantState("a1", acd.StateTalking, "")
		r.end("c1")
		r.wantState("a1", acd.StateWrapUp, "")
		r.sleep(10 * time.Second)
		for _, a := range r.snapshot().Agents {
			if a.ID == "a1" || a.ID == "a2" {
				t.Errorf("removed agent %s still in the snapshot: %+v", a.ID, a)
			}
		}
		var out []string
		for _, e := range ofType[event.AgentStateChanged](r.ev) {
			if e.State == string(acd.StateLoggedOut) {
				out = append(out, e.Agent)
			}
		}
		if !slices.Equal(out, []string{"a2", "a1"}) {
			t.Errorf("logged out %v, want a2 then a1", out)
		}
		wantErr(t, r.acd.Login(ctx, "a1"), acd.ErrUnknownAgent)
	})
}

func TestRuntimeReplaceAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		as := agents("a1", "a2")
		as[0].Skills = map[string]int{"pork": 8}
		as[1].Skills = map[string]int{"pork": 6}
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "pork", Strategy: acd.StrategyLinear, Skills: map[string]int{"pork": 5}}},
			Agents: as,
		}, 1)
		ctx := t.Context()
		r.login("a1", "a2")
		r.enqueue("c1", "pork", "", 0)
		offers := r.offered("c1", "a1")

		// Same skills, new name and phone: the offer rings on.
		a1 := as[0]
		a1.Name, a1.Extension = "张伟", "sip:8001"
		r.check(r.acd.ReplaceAgent(ctx, a1))
		r.none()
		if got := r.agent("a1"); got.State != acd.StateRinging || got.Name != "张伟" || got.Extension != "sip:8001" {
			t.Errorf("a1 = %+v", got)
		}
		// Too little skill now: the offer is withdrawn and goes to a2.
		a1.Skills = map[string]int{"pork": 2}
		r.check(r.acd.ReplaceAgent(ctx, a1))
		if offers[0].ctx.Err() == nil {
			t.Error("the offer still rings")
		}
		r.offered("c1", "a2")
		r.wantState("a1", acd.StateReady, "")
	})
}

func TestRuntimeFieldErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "q", Agents: []string{"a1"}}},
			Agents: agents("a1"),
		}, 1)
		ctx := t.Context()
		tests := []struct {
			name   string
			err    error
			fields []string
		}{
			{"queue", r.acd.AddQueue(ctx, acd.QueueConfig{Name: "new", RingTimeout: -time.Second, Strategy: "best",
				Skills: map[string]int{"pork": 12}, Overflow: "queue nowhere"}),
				[]string{"strategy", "skills.pork", "ring_timeout", "overflow"}},
			{"queue name", r.acd.AddQueue(ctx, acd.QueueConfig{Name: "two words"}), []string{"name"}},
			{"agent", r.acd.AddAgent(ctx, acd.AgentConfig{ID: "a2", Role: "boss", Extension: "8001"}),
				[]string{"role", "extension"}},
			{"member", r.acd.ReplaceQueue(ctx, acd.QueueConfig{Name: "q", Agents: []string{"a1", "ghost"}}), []string{"agents[1]"}},
			{"listed agent", r.acd.RemoveAgent(ctx, "a1"), []string{""}},
		}
		for _, tt := range tests {
			var got []string
			for _, fe := range acd.FieldErrors(tt.err) {
				got = append(got, fe.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("%s: fields %q, want %q (%v)", tt.name, got, tt.fields, tt.err)
			}
		}
		if cfg, _ := r.acd.Config(ctx); len(cfg.Queues) != 1 || len(cfg.Agents) != 1 || len(cfg.Queues[0].Agents) != 1 {
			t.Errorf("refused changes changed the config: %+v", cfg)
		}
	})
}

// saver is a fake Saver that keeps what it is given, or fails.
type saver struct {
	mu    sync.Mutex
	saved []acd.Config
	fail  error
}

func (s *saver) SaveACD(cfg acd.Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.saved = append(s.saved, cfg)
	return nil
}

func TestRuntimeSaves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sv := &saver{}
		a, err := acd.New(acd.Config{Agents: agents("a1")}, acd.Deps{Saver: sv})
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		go a.Run(ctx)
		if err := a.AddQueue(ctx, acd.QueueConfig{Name: "q"}); err != nil {
			t.Fatal(err)
		}
		if len(sv.saved) != 1 || len(sv.saved[0].Queues) != 1 || sv.saved[0].Queues[0].Strategy != acd.StrategyLongestIdle {
			t.Fatalf("saved %+v, want the config with q and its defaults", sv.saved)
		}
		disk := errors.New("disk full")
		sv.fail = disk
		if err := a.RemoveQueue(ctx, "q"); !errors.Is(err, disk) {
			t.Errorf("RemoveQueue with a failing saver = %v, want %v", err, disk)
		}
		if cfg, _ := a.Config(ctx); len(cfg.Queues) != 1 {
			t.Error("a change that could not be saved took effect")
		}
		// Reconfigure replaces everything at once.
		sv.fail = nil
		if err := a.Reconfigure(ctx, acd.Config{Queues: []acd.QueueConfig{{Name: "other"}}}); err != nil {
			t.Fatal(err)
		}
		if cfg, _ := a.Config(ctx); len(cfg.Queues) != 1 || cfg.Queues[0].Name != "other" || len(cfg.Agents) != 0 {
			t.Errorf("after Reconfigure: %+v", cfg)
		}
	})
}
