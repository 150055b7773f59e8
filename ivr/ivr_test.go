package ivr_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"tracecall/telephony/telephonytest"

	"tracecall/drivers/sim"
	"tracecall/ivr"
	"tracecall/ivr/tts"
	"tracecall/ivr/tts/ttstest"
	"tracecall/telephony/event"
	"tracecall/trace"
)

// chains is a trace.Source over a map.
type chains map[string]trace.Chain

func (c chains) Chain(code string) (trace.Chain, bool, error) {
	ch, ok := c[code]
	return ch, ok, nil
}

// harness is a sim driver serving the shipped IVR flows, with short timeouts.
type harness struct {
	d     *sim.Driver
	bus   *event.Bus
	chain trace.Chain
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	cfg, err := loadShipped()
	if err != nil {
		t.Fatal(err)
	}
	// Short, but with room for a loaded CI machine: keys come every 200 ms.
	cfg.IVR.MenuTimeout = 1500 * time.Millisecond
	cfg.IVR.FirstDigitTimeout = 2 * time.Second
	cfg.IVR.InterDigitTimeout = 1500 * time.Millisecond
	chain := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex)
	bus := event.New(nil)
	v, err := ivr.New(cfg.IVR, ivr.Deps{
		Chains:       chains{chain.TraceCode: chain},
		TraceOptions: trace.Options{CheckDigit: true, RetailMin: 20, RetailMax: 20},
		Speaker:      &fastSpeaker{},
		Events:       bus.Client("ivr"),
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := sim.New(sim.Config{Lines: 4}, bus.Client("sim"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	core := telephonytest.Core(t, bus.Client("core"), d)
	go func() { defer close(done); _ = core.Serve(ctx, v) }()
	<-d.Serving()
	t.Cleanup(func() { cancel(); <-done })
	return &harness{d: d, bus: bus, chain: chain}
}

// call places a call and returns every event of it, in order, once it has ended.
func (h *harness) call(t *testing.T, dnis, dtmf string, timeout time.Duration) []event.Event {
	t.Helper()
	sub := event.Subscribe[event.Event](h.bus.Client("test"), event.WithQueue(4096))
	defer sub.Close()
	var c *sim.Caller
	var err error
	for range 200 { // the driver may still be starting
		if c, err = h.d.Call(context.Background(), sim.CallOptions{ANI: "13800138000", DNIS: dnis, DTMF: dtmf, Timeout: timeout}); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []event.Event
	for {
		select {
		case e := <-sub.Events():
			if e.Call() != c.CallID() {
				continue
			}
			out = append(out, e)
			if _, ok := e.(event.CallEnded); ok {
				return out
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no CallEnded event")
		}
	}
}

func said(es []event.Event) []string {
	var out []string
	for _, e := range es {
		if s, ok := e.(event.Said); ok {
			out = append(out, s.Text)
		}
	}
	return out
}

func lookups(es []event.Event) []event.TraceLookup {
	var out []event.TraceLookup
	for _, e := range es {
		if l, ok := e.(event.TraceLookup); ok {
			out = append(out, l)
		}
	}
	return out
}

func ended(es []event.Event) event.CallEnded {
	return es[len(es)-1].(event.CallEnded)
}

func TestFoundCodeReadsTheChain(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	es := h.call(t, "ivr", "1"+h.chain.TraceCode+"#", 12*time.Second)
	ls := lookups(es)
	if len(ls) != 1 || ls[0].Result != "found" || ls[0].Code != h.chain.TraceCode {
		t.Fatalf("lookups = %+v, want one found %s", ls, h.chain.TraceCode)
	}
	text := strings.Join(said(es), "\n")
	var sale *trace.Event
	for i := range h.chain.Events {
		if h.chain.Events[i].Type == trace.EventRetailSale {
			sale = &h.chain.Events[i]
		}
	}
	for _, want := range []string{sale.Goods.GoodsName, sale.Node.Name, "年", "公斤"} {
		if !strings.Contains(text, want) {
			t.Errorf("readout does not say %q:\n%s", want, text)
		}
	}
	if !strings.Contains(text, "产地") {
		t.Errorf("readout does not name the origin:\n%s", text)
	}
	for _, e := range h.chain.Events {
		if e.VehiclePlate != "" && strings.Contains(text, e.VehiclePlate) {
			t.Errorf("readout says the vehicle plate %q", e.VehiclePlate)
		}
	}
}

func TestBadCodesGetTheirOwnPrompts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Flip the check digit of a real code.
	code := h.chain.TraceCode
	last := (code[len(code)-1]-'0'+1)%10 + '0'
	badCheck := code[:len(code)-1] + string(last)
	unknown := trace.DemoCode("110106005", time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), 9999)
	es := h.call(t, "96315", "1"+"12345#w"+badCheck+"#w"+unknown+"#", 40*time.Second)
	ls := lookups(es)
	want := []struct{ result, reason string }{{"invalid", "too_short"}, {"invalid", "bad_check_digit"}, {"not_found", ""}}
	if len(ls) != len(want) {
		t.Fatalf("lookups = %+v, want %d", ls, len(want))
	}
	for i, w := range want {
		if ls[i].Result != w.result || ls[i].Reason != w.reason {
			t.Errorf("lookup %d = %+v, want %s %s", i, ls[i], w.result, w.reason)
		}
	}
	text := strings.Join(said(es), "\n")
	for _, want := range []string{"只有五位", "校验位", "暂未查到", "多次输入"} {
		if !strings.Contains(text, want) {
			t.Errorf("prompts do not say %q:\n%s", want, text)
		}
	}
	if e := ended(es); e.By != "ivr" {
		t.Errorf("after three tries the call ended by %q, want the IVR's goodbye", e.By)
	}
}

func TestSilenceRepeatsTheMenuThenSaysGoodbye(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	es := h.call(t, "ivr", "", 40*time.Second)
	texts := said(es)
	welcomes := 0
	for _, s := range texts {
		if strings.HasPrefix(s, "您好") {
			welcomes++
		}
	}
	if welcomes != 3 {
		t.Errorf("welcome said %d times, want 3 (once and two repeats): %q", welcomes, texts)
	}
	if last := texts[len(texts)-1]; !strings.Contains(last, "再见") {
		t.Errorf("last prompt %q, want the goodbye", last)
	}
	if e := ended(es); e.By != "ivr" {
		t.Errorf("call ended by %q, want ivr", e.By)
	}
}

func TestEnglishAndStarClears(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	es := h.call(t, "ivr", "91"+"123*"+h.chain.TraceCode+"#", 15*time.Second)
	text := strings.Join(said(es), "\n")
	if !strings.Contains(text, "Welcome") || !strings.Contains(text, "Cleared") {
		t.Errorf("expected English welcome and the cleared prompt:\n%s", text)
	}
	if ls := lookups(es); len(ls) != 1 || ls[0].Result != "found" {
		t.Errorf("lookups = %+v, want the code found after * cleared 123", ls)
	}
}

func TestUnroutedNumberIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	es := h.call(t, "99999", "", 5*time.Second)
	for _, e := range es {
		if _, ok := e.(event.CallAnswered); ok {
			t.Fatal("a call to an unrouted number was answered")
		}
	}
	if e := ended(es); e.Cause != "no_route" {
		t.Errorf("cause %q, want no_route", e.Cause)
	}
}

// fastSpeaker is ttstest's fake with every clip cut to 200 ms, so that tests
// run quickly; the texts still go out in Said events.
type fastSpeaker struct{ ttstest.Speaker }

func (f *fastSpeaker) Say(ctx context.Context, lang, text string) (*tts.Clip, error) {
	return short(f.Speaker.Say(ctx, lang, text))
}

func (f *fastSpeaker) Prompt(ctx context.Context, lang, name, text string) (*tts.Clip, error) {
	return short(f.Speaker.Prompt(ctx, lang, name, text))
}

func short(c *tts.Clip, err error) (*tts.Clip, error) {
	if err != nil {
		return nil, err
	}
	cut := *c
	cut.Samples = c.Samples[:min(len(c.Samples), 1600)]
	return &cut, nil
}
