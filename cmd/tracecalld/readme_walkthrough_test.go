package main_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tracecall/trace"
	"tracecall/web/auth"
	"tracecall/web/webtest"
)

// TestREADMEDesktopWalkthrough follows README.md's "To sit at the demo's
// agent desktop" step by step, on the daemon `make run` starts (the shipped
// config, -demo), in headless Chromium: the admin adds the user 8001 with
// role 普通席, 8001 logs in in another browser, opens /agent and presses
// 签入; the README's `tracectl sim call` keys the demo code and 0; 8001's
// desktop pops the caller, the code and its chain while phone 8001 rings, and
// /wallboard shows 坐席一 talking once the phone has answered by itself.
//
// Before the call, phone 8001 also dials *22 and the desktop signs back in,
// as a reader who tried the "Try it" section first would have: the pop must
// land on 8001 whichever agent has been idle longest.
func TestREADMEDesktopWalkthrough(t *testing.T) {
	t.Parallel() // beside TestDemoCallEndToEnd's minute-long call
	d := startDaemon(t, t.TempDir())
	adminPW := firstAdminPassword(t, d)
	browser := webtest.Chromium(t)
	base := "http://" + d.addr
	type css = chromedp.CSS

	// "as admin, add a user named 8001 with role 普通席 (agent) under /admin/users"
	admin := newPerson(t, browser, base, "admin")
	admin.login(auth.FirstAdmin, adminPW)
	const user, password = "8001", "agent-8001-password"
	admin.do("add the user 8001",
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(css(`form[action="/admin/users"] input[name="username"]`)),
		chromedp.SendKeys(css(`form[action="/admin/users"] input[name="username"]`), user),
		chromedp.SetValue(css(`form[action="/admin/users"] select[name="role"]`), string(auth.RoleAgent)),
		chromedp.SendKeys(css(`form[action="/admin/users"] input[name="password"]`), password),
		chromedp.Click(css(`form[action="/admin/users"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`p.flash.ok`)),
	)

	// "log in as it in another browser, open /agent and press 签入"
	agent := newPerson(t, browser, base, user)
	agent.login(user, password)
	agent.do("open the desktop", chromedp.Navigate(base+"/agent"), chromedp.WaitVisible(css(`body[data-live="open"]`)))
	state := `document.getElementById("agent-state").dataset.state`
	agent.until("the state -demo left (signed in, ready)", state+` === "ready"`, 10*time.Second)
	signIn := func(what string) {
		t.Helper()
		// The desk's own fetch, watched: an answer that is not 2xx is what
		// shows the desk's error message.
		agent.do("watch the desk's requests", chromedp.Evaluate[chromedp.Void](`(() => {
			if (!window.deskAnswers) {
				const f = window.fetch;
				window.fetch = async (...a) => { const r = await f(...a); window.deskAnswers.push(r.status); return r; };
			}
			window.deskAnswers = [];
		})()`))
		agent.do(what, chromedp.Click(css(`#btn-login`)))
		agent.until(what+": the answer", `window.deskAnswers.length > 0`, 10*time.Second)
		ctx, cancel := context.WithTimeout(agent.ctx, 10*time.Second)
		defer cancel()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`window.deskAnswers`))
		if err != nil || len(got) != 1 || got[0] != 200 {
			t.Errorf("%s: the desk's POST /api/desk/login answered %v (%v), want 200", what, got, err)
		}
		agent.until(what+": ready", state+` === "ready"`, 10*time.Second)
		if !agent.exists(`#desk-msg[hidden]`) {
			t.Errorf("%s: the desk shows an error: %q", what, agent.text(`#desk-msg`))
		}
	}
	signIn("签入 while -demo has signed 8001 in")

	// The "Try it" section logs 8001 out from its phone; signing in again
	// makes 8001 the agent who has been idle for the shortest time.
	if _, said := dialFromPhone(t, d, user, "*22"); said != "已签出。" {
		t.Fatalf("*22 from phone 8001: the IVR said %q, want 已签出。", said)
	}
	agent.until("signed out by *22", state+` === "logged_out"`, 10*time.Second)
	signIn("签入 after *22")

	admin.do("open the wallboard", chromedp.Navigate(base+"/wallboard"), chromedp.WaitVisible(css(`body[data-live="open"]`)))

	// "bin/tracectl sim call --ani 13800138000 --dnis 96315 --dtmf
	// '1w11010600524031500425#ww0' --timeout 60s"
	chain := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex)
	if chain.TraceCode != "11010600524031500425" {
		t.Fatalf("the demo pork chain's code is %s, not the README's", chain.TraceCode)
	}
	const caller = "13800138000"
	call := placeKeying(t, d, caller, "96315", "1w"+chain.TraceCode+"#ww0", 60*time.Second)

	// "the desktop pops the caller, the code and its chain while phone 8001 rings"
	agent.until("the pop, ringing", fmt.Sprintf(`(() => { const p = document.getElementById("pop");
		return !p.hidden && p.dataset.state === "ringing" && p.dataset.call === %q; })()`, call.id), 45*time.Second)
	if got := agent.text(`#pop-caller`); got != caller {
		t.Errorf("pop's caller = %q, want %s", got, caller)
	}
	if got := agent.text(`#pop-code`); !strings.Contains(got, chain.TraceCode) {
		t.Errorf("pop's trace code = %q, want %s", got, chain.TraceCode)
	}
	ctx, cancel := context.WithTimeout(agent.ctx, 10*time.Second)
	defer cancel()
	if hops, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#pop-chain ol.chain li").length`)); err != nil || hops == 0 {
		t.Errorf("pop's chain has %d hops (%v), want the chain", hops, err)
	}

	// "/wallboard shows 坐席一 talking": the phone answers by itself (answer_after).
	agent.until("talking", state+` === "talking"`, 15*time.Second)
	admin.until("the wallboard shows 坐席一 talking",
		`[...document.querySelectorAll("#acd tbody tr")].some(tr => tr.cells[0]?.textContent.trim() === "坐席一" && tr.querySelector("span.state.talking"))`,
		15*time.Second)

	agent.do("hang up", chromedp.Click(css(`#btn-hangup`)))
	select {
	case <-call.done:
	case <-time.After(15 * time.Second):
		t.Fatal("the caller was not hung up after the agent hung up")
	}
	r := record(t, d, call.id)
	if r.Queue != "trace" || r.Agent != user || !slices.Equal(r.AgentsTried, []string{user}) || len(r.Codes) == 0 || r.Codes[0].Code != chain.TraceCode {
		t.Errorf("call record = %+v, want queue trace, offered to and answered by 8001 alone, with the code", r)
	}
}
