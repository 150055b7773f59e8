package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/web"
	"tracecall/web/auth"
	"tracecall/web/webtest"
)

// liveServer is the panel on loopback over a fresh store and bus, with the
// daemon's first admin; Run follows the bus as in the daemon.
func liveServer(t *testing.T) (ts *httptest.Server, db *store.DB, bus *event.Bus, adminPassword string) {
	t.Helper()
	db = storetest.Open(t)
	var out bytes.Buffer
	if _, err := auth.EnsureAdmin(db, nil, &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no admin password printed:\n%s", out.String())
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	bus = event.New(nil)
	srv := web.New(web.Deps{
		Store: db, Bus: bus, Location: loc, DataDir: t.TempDir(),
		Log:  slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Auth: auth.Config{Params: auth.TestParams()},
	})
	ts = httptest.NewServer(srv.TCPHandler())
	t.Cleanup(ts.Close) // last: after Run has ended the event streams
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return ts, db, bus, m[1]
}

// loginSteps fills in the login form as a person would.
func loginSteps(base, user, pw string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), pw),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who`)),
	)
}

func TestBrowser(t *testing.T) {
	browser := webtest.Chromium(t, chromedp.WithLogf(t.Logf))
	ts, db, bus, adminPW := liveServer(t)
	users := auth.New(db, auth.Config{Params: auth.TestParams()}, nil)
	if err := users.CreateUser(context.Background(), auth.NewUser{Username: "li", Role: auth.RoleTeamLeader, Password: "leader-password"}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	rec := &store.CallRecord{
		ID: "rec-1", Line: "sim1", Caller: "13900139000", Called: "12315", Direction: "inbound", Type: "trace",
		Start: start, End: start.Add(95 * time.Second), Duration: 95, Disposition: "self_service",
		IVRPath: []string{"main/welcome", "main/code"},
		Codes:   []store.CodeLookup{{Code: "11010600524112600017", Result: "found", At: start.Add(30 * time.Second)}},
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.PutCall(rec) }); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(browser, 90*time.Second)
	defer cancel()
	run := func(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(t *testing.T, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	t.Run("line monitor follows the bus", func(t *testing.T) {
		run(t, "admin login", loginSteps(ts.URL, auth.FirstAdmin, adminPW))
		if nav := text(t, "header nav"); !strings.Contains(nav, "线路监控") || !strings.Contains(nav, "用户管理") {
			t.Errorf("admin's menu = %q, want the line monitor and users", nav)
		}
		// The script marks the body once the event stream is open: from
		// then on nothing published is missed.
		run(t, "open /lines", chromedp.Navigate(ts.URL+"/lines"), chromedp.WaitVisible(chromedp.CSS(`body[data-live="open"]`)))
		pub := bus.Client("test")
		now := time.Now()
		pub.Publish(event.CallStarted{Base: event.Base{CallID: "c-1", At: now}, Line: "sim1", From: "13800138000", To: "12315", Direction: "inbound"})
		pub.Publish(event.LineChanged{Base: event.Base{CallID: "c-1", At: now}, Line: "sim1", State: "in-call", Caller: "13800138000", Called: "12315"})
		pub.Publish(event.IVRStep{Base: event.Base{CallID: "c-1", At: now}, Flow: "main", Node: "menu", Type: "menu"})
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
			`document.querySelector('tr[data-line="sim1"] td.c-doing')?.textContent === "语音导航（语音菜单）"`)); err != nil {
			t.Fatalf("the line monitor never showed the call in the IVR's menu, in words: %v", err)
		}
		if got := text(t, `tr[data-line="sim1"] td.c-caller`); got != "13800138000" {
			t.Errorf("caller cell = %q, want 13800138000", got)
		}
		if got := text(t, `tr[data-line="sim1"] td.c-state`); !strings.Contains(got, "通话中") || !strings.Contains(got, "呼入") {
			t.Errorf("state cell = %q, want 通话中 (呼入)", got)
		}
		// An agent answers: talking, not in the IVR.
		pub.Publish(event.CallQueued{Base: event.Base{CallID: "c-1", At: now}, Queue: "投诉", Position: 1})
		pub.Publish(event.CallOffered{Base: event.Base{CallID: "c-1", At: now}, Queue: "投诉", Agent: "zhang"})
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
			`document.querySelector('tr[data-line="sim1"] td.c-doing')?.textContent === "坐席振铃（队列 投诉，振铃坐席 zhang）"`)); err != nil {
			t.Fatalf("the line monitor never showed the agent's phone ringing: %v", err)
		}
		pub.Publish(event.CallTaken{Base: event.Base{CallID: "c-1", At: now}, Queue: "投诉", Agent: "zhang", Wait: time.Second})
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
			`document.querySelector('tr[data-line="sim1"] td.c-doing')?.textContent === "与坐席通话（坐席 zhang）"`)); err != nil {
			t.Fatalf("the line monitor never showed the caller talking with the agent: %v", err)
		}
		pub.Publish(event.LineChanged{Base: event.Base{At: time.Now()}, Line: "sim1", State: "idle"})
		pub.Publish(event.CallEnded{Base: event.Base{CallID: "c-1"}, By: "caller"})
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
			`document.querySelector('tr[data-call="c-1"]') === null`)); err != nil {
			t.Fatalf("the call stayed on the line monitor after it ended: %v", err)
		}
	})

	t.Run("call records", func(t *testing.T) {
		run(t, "open /calls", chromedp.Navigate(ts.URL+"/calls?caller=139"), chromedp.WaitVisible(chromedp.CSS(`tr[data-call="rec-1"]`)))
		row := text(t, `tr[data-call="rec-1"]`)
		for _, want := range []string{"2026-11-20 17:30:00", "13900139000", "11010600524112600017", "查到", "1:35", "语音自助完成", "main/welcome → main/code"} {
			if !strings.Contains(row, want) {
				t.Errorf("record row %q lacks %q", row, want)
			}
		}
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("csv").getAttribute("href")`))
		if err != nil || href != "/calls.csv?caller=139" {
			t.Errorf("CSV link = %q, %v; want the same filter", href, err)
		}
	})

	t.Run("wallboard without ACD", func(t *testing.T) {
		run(t, "open /wallboard", chromedp.Navigate(ts.URL+"/wallboard"), chromedp.WaitVisible(chromedp.CSS(`#acd`)))
		if got := text(t, "#acd"); !strings.Contains(got, "未配置") {
			t.Errorf("ACD section = %q, want it to say the ACD is not configured", got)
		}
		run(t, "wallboard live", chromedp.WaitVisible(chromedp.CSS(`body[data-live="open"]`)))
		bus.Client("test").Publish(event.CallStarted{Base: event.Base{CallID: "c-2", At: time.Now()}, Line: "sim2", From: "13700137000", Direction: "inbound"})
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`document.getElementById("wb-calls")?.textContent === "1"`)); err != nil {
			t.Errorf("the wallboard did not count the new call: %v", err)
		}
	})

	t.Run("team leader", func(t *testing.T) {
		run(t, "admin logout", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)))
		run(t, "leader login", loginSteps(ts.URL, "li", "leader-password"))
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(ts.URL+"/admin/users"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusForbidden || !strings.Contains(text(t, "main"), "无权") {
			t.Errorf("team leader opening /admin/users: %d %q, want the 403 page", resp.Status, text(t, "main"))
		}
		// The password form without its CSRF token, submitted by hand.
		run(t, "fill in the password form",
			chromedp.Navigate(ts.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="new_password"]`)),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/account/password"] input[name="csrf_token"]').remove()`),
			chromedp.SendKeys(chromedp.CSS(`input[name="current_password"]`), "leader-password"),
			chromedp.SendKeys(chromedp.CSS(`input[name="new_password"]`), "another-password"),
			chromedp.SendKeys(chromedp.CSS(`input[name="confirm_password"]`), "another-password"),
		)
		resp, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/account/password"] button[type="submit"]`)))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusForbidden || !strings.Contains(text(t, "main"), "安全令牌") {
			t.Errorf("form without CSRF token: %d %q, want 403 and the CSRF message", resp.Status, text(t, "main"))
		}
		if _, err := users.Login(context.Background(), "li", "leader-password", "test"); err != nil {
			t.Errorf("the refused form changed the password: %v", err)
		}
	})
}
