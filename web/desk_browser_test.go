package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tracecall/store"
	"tracecall/telephony/event"
	"tracecall/trace"
	"tracecall/web/auth"
	"tracecall/web/webtest"
)

// TestBrowserScreenPop: an agent opens the desktop in Chromium; an offer
// published on the bus pops the card with the caller, the trace code and
// its chain while the phone rings; the agent adds the new caller as a
// customer and saves wrap-up notes on the call.
func TestBrowserScreenPop(t *testing.T) {
	browser := webtest.Chromium(t, chromedp.WithLogf(t.Logf))
	ts, db, bus, _ := liveServer(t)
	users := auth.New(db, auth.Config{Params: auth.TestParams()}, nil)
	if err := users.CreateUser(context.Background(), auth.NewUser{Username: "zhang", Role: auth.RoleAgent, Password: "agent-password"}); err != nil {
		t.Fatal(err)
	}
	chain := trace.NewGenerator(trace.DemoSeed).Chain(0)
	now := time.Now()
	if err := db.Update(func(tx *store.Tx) error {
		if err := tx.PutChain(&chain); err != nil {
			return err
		}
		return tx.PutCall(&store.CallRecord{
			ID: "c-7", Caller: "13800138000", Called: "96315", Direction: "inbound", Start: now, InProgress: true,
			IVRPath: []string{"main/welcome", "main/code"},
			Codes:   []store.CodeLookup{{Code: chain.TraceCode, Result: "found", At: now}},
		})
	}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(browser, 90*time.Second)
	defer cancel()
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	poll := func(what, js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js)); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	run("agent login", loginSteps(ts.URL, "zhang", "agent-password"))
	if nav := text("header nav"); !strings.Contains(nav, "坐席工作台") || strings.Contains(nav, "线路监控") {
		t.Errorf("agent's menu = %q, want the desk and not the line monitor", nav)
	}
	run("open /agent", chromedp.Navigate(ts.URL+"/agent"), chromedp.WaitVisible(chromedp.CSS(`body[data-live="open"]`)))
	if got := text("#agent-state"); got != "未签入" {
		t.Errorf("state before any event = %q, want 未签入", got)
	}

	pub := bus.Client("acd")
	pub.Publish(event.AgentStateChanged{Base: event.Base{At: time.Now()}, Agent: "zhang", State: "ready", Prev: "logged_out", Reachable: true})
	poll("the state bar shows ready", `document.getElementById("agent-state").textContent === "就绪"`)

	pub.Publish(event.CallOffered{
		Base: event.Base{CallID: "c-7", At: time.Now()}, Queue: "trace", Agent: "zhang", Extension: "8001",
		Caller: "13800138000", Called: "96315",
		Data: map[string]string{"ivr_flow": "main", "trace_code": chain.TraceCode, "transferred_by": "wang"},
	})
	poll("the pop card shows the code", `!document.getElementById("pop").hidden && document.getElementById("pop-code").textContent.includes("`+chain.TraceCode+`")`)
	if got := text("#pop-caller"); got != "13800138000" {
		t.Errorf("caller = %q", got)
	}
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("pop-caller-unverified").hidden`)); err != nil || !hidden {
		t.Errorf("a number the network asserted is marked not verified (hidden %v, %v)", hidden, err)
	}
	if got := text("#pop-status"); got != "振铃中" {
		t.Errorf("call state = %q, want 振铃中 while the phone rings", got)
	}
	if got := text("#pop-code"); !strings.Contains(got, "查到") {
		t.Errorf("code line = %q, want the result", got)
	}
	hops := text("#pop-chain")
	for _, want := range []string{chain.Events[0].Node.Name, chain.Events[len(chain.Events)-1].Node.Name, "屠宰", "零售交易"} {
		if !strings.Contains(hops, want) {
			t.Errorf("chain %q lacks %q", hops, want)
		}
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#pop-chain ol.chain li").length`))
	if err != nil || n != len(chain.Events) {
		t.Errorf("chain has %d hops listed (%v), want %d", n, err, len(chain.Events))
	}
	if got := text("#pop-ivr"); got != "main/welcome → main/code" {
		t.Errorf("IVR path = %q", got)
	}
	if got := text("#pop-transferred"); got != "wang" {
		t.Errorf("transferred by = %q", got)
	}
	if got := text("#pop-customer"); !strings.Contains(got, "新来电") {
		t.Errorf("customer = %q, want 新来电", got)
	}

	run("add the customer",
		chromedp.SendKeys(chromedp.CSS("#cust-name"), "王芳"),
		chromedp.SetValue(chromedp.CSS("#cust-class"), "vip"),
		chromedp.SendKeys(chromedp.CSS("#cust-company"), "东安街菜市场"),
		chromedp.Click(chromedp.CSS("#btn-save-customer")),
	)
	poll("the customer is shown", `document.getElementById("pop-customer").textContent.includes("王芳")`)
	if c, ok, err := db.CustomerByNumber("13800138000"); err != nil || !ok || c.Class != "vip" || c.UpdatedBy != "zhang" {
		t.Errorf("stored customer = %+v, %v, %v", c, ok, err)
	}

	pub.Publish(event.CallTaken{Base: event.Base{CallID: "c-7", At: time.Now()}, Queue: "trace", Agent: "zhang"})
	poll("talking", `document.getElementById("pop-status").textContent === "通话中"`)
	run("write notes",
		chromedp.SendKeys(chromedp.CSS("#notes"), "询问猪肉产地，已告知"),
		chromedp.Click(chromedp.CSS("#btn-save-notes")),
	)
	poll("notes saved", `document.getElementById("notes-list").textContent.includes("询问猪肉产地")`)
	if rec, _, err := db.Call("c-7"); err != nil || len(rec.Notes) != 1 || rec.Notes[0].Agent != "zhang" {
		t.Errorf("call record notes = %+v, %v", rec.Notes, err)
	}

	pub.Publish(event.CallEnded{Base: event.Base{CallID: "c-7", At: time.Now()}, By: "caller"})
	poll("ended, card kept for wrap-up", `document.getElementById("pop-status").textContent === "通话已结束" && !document.getElementById("pop").hidden`)

	// A reload mid-wrap-up finds the card again.
	run("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`body[data-live="open"]`)))
	poll("the card after a reload", `!document.getElementById("pop").hidden && document.getElementById("pop-code").textContent.includes("`+chain.TraceCode+`")`)

	// A caller whose number only they wrote (a SIP stranger's From): the
	// number is shown, marked.
	pub.Publish(event.CallOffered{
		Base: event.Base{CallID: "c-8", At: time.Now()}, Queue: "trace", Agent: "zhang", Extension: "8001",
		Caller: "13900139000", Called: "96315", Data: map[string]string{"ivr_flow": "main", "caller_unverified": "1"},
	})
	poll("the unverified number's mark", `document.getElementById("pop-caller").textContent === "13900139000" && !document.getElementById("pop-caller-unverified").hidden`)
	if got := text("#pop-caller-unverified"); got != "号码未经核实" {
		t.Errorf("mark = %q, want 号码未经核实", got)
	}
}
