package main_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/trace"
	"tracecall/web"
	"tracecall/web/auth"
	"tracecall/web/webtest"
)

// person is one user at their own browser (a separate browser context: own
// cookies, own session).
type person struct {
	t    *testing.T
	name string
	ctx  context.Context
	base string
}

func newPerson(t *testing.T, browser context.Context, base, name string) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s's browser: %v", name, err)
	}
	return &person{t: t, name: name, ctx: ctx, base: base}
}

// do runs steps with a deadline, failing the test with what was being done.
func (p *person) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, what, err)
	}
}

// text is the text of the first element sel matches.
func (p *person) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("%s: text of %s: %v", p.name, sel, err)
	}
	return s
}

// until polls the JavaScript condition js on the person's page.
func (p *person) until(what, js string, timeout time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js)); err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, what, err)
	}
}

// exists reports whether sel matches an element on the person's page now.
func (p *person) exists(sel string) bool {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, sel)))
	if err != nil {
		p.t.Fatalf("%s: looking for %s: %v", p.name, sel, err)
	}
	return ok
}

// login fills in the login form as a person would.
func (p *person) login(user, pw string) {
	p.t.Helper()
	p.do("log in as "+user,
		chromedp.Navigate(p.base+"/login?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), pw),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who`)),
	)
}

// fetch makes a same-origin request from the person's page, with the
// session cookie and, for unsafe methods, the page's CSRF token in the
// X-CSRF-Token header; it returns the status.
func (p *person) fetch(method, path string) int {
	p.t.Helper()
	return p.fetchCSRF(method, path, true)
}

// fetchCSRF is fetch, sending the CSRF token only if withToken.
func (p *person) fetchCSRF(method, path string, withToken bool) int {
	p.t.Helper()
	js := fmt.Sprintf(`(async () => {
		const tok = %t ? (document.querySelector('input[name="csrf_token"]')?.value ?? "") : "";
		const r = await fetch(%q, {method: %q, redirect: "manual",
			headers: %q === "GET" ? {} : {"X-CSRF-Token": tok, "Content-Type": "application/json"},
			body: %q === "GET" ? undefined : "{}"});
		return r.type === "opaqueredirect" ? 303 : r.status;
	})()`, withToken, path, method, method, method)
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	code, err := chromedp.Run(ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: fetch %s %s: %v", p.name, method, path, err)
	}
	return code
}

// firstAdminPassword is the password the daemon printed once on stderr when
// it created the first admin.
func firstAdminPassword(t *testing.T, d *daemon) string {
	t.Helper()
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(d.log.String())
	if m == nil {
		t.Fatal("the daemon printed no first admin password")
	}
	return m[1]
}

// route is one method and path of the panel, with its least role.
type route struct {
	method, path string
	role         auth.Role
}

// panelRoutes lists every route of the TCP listener, from web's own route
// table (a server built here over a throwaway store, so the list follows
// whatever routes the panel has), with path parameters filled in.
func panelRoutes(t *testing.T) []route {
	t.Helper()
	bus := event.New(nil)
	t.Cleanup(bus.Close)
	srv := web.New(web.Deps{Store: storetest.Open(t), Bus: bus})
	code := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex).TraceCode
	param := regexp.MustCompile(`\{[^}]*\}`)
	var out []route
	for _, r := range srv.Routes() {
		method, path, ok := strings.Cut(r.Pattern, " ")
		if !ok {
			method, path = "GET", r.Pattern
		}
		path = param.ReplaceAllStringFunc(path, func(p string) string {
			switch p {
			case "{$}":
				return ""
			case "{code}":
				return code
			}
			return "e2e-x"
		})
		out = append(out, route{method: method, path: path, role: r.Role})
	}
	return out
}

// TestBrowserEndToEnd walks the panel of a real daemon (sim lines, demo
// trace data, testdata/e2e.toml's hotline whose result menu's 0 queues the
// caller) in headless Chromium, as the people who use it would.
func TestBrowserEndToEnd(t *testing.T) {
	d := startConfigured(t, "testdata/e2e.toml", "-demo")
	adminPW := firstAdminPassword(t, d)
	browser := webtest.Chromium(t)
	base := "http://" + d.addr
	routes := panelRoutes(t)

	// Anyone without a login is refused everywhere but /login, /healthz and
	// the assets: the API answers 401, pages send them to the login page.
	t.Run("anonymous refused", func(t *testing.T) {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		extra := []route{{"GET", "/no/such/page", auth.RoleAgent}, {"GET", "/api/no/such", auth.RoleAgent}}
		n := 0
		defer func() { t.Logf("anonymous refused on all %d routes that need a login", n) }()
		for _, r := range append(routes, extra...) {
			if r.role == "" {
				continue
			}
			n++
			req, _ := http.NewRequest(r.method, base+r.path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			api := strings.HasPrefix(r.path, "/api/")
			switch {
			case api && resp.StatusCode != http.StatusUnauthorized:
				t.Errorf("anonymous %s %s = %d, want 401", r.method, r.path, resp.StatusCode)
			case !api && (resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login")):
				t.Errorf("anonymous %s %s = %d to %q, want 303 to /login", r.method, r.path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})

	admin := newPerson(t, browser, base, "admin")
	admin.login(auth.FirstAdmin, adminPW)

	// The admin creates a team leader in the users page; a form posted
	// without its CSRF token is refused and changes nothing.
	t.Run("csrf", func(t *testing.T) {
		admin.do("open the users page", chromedp.Navigate(base+"/admin/users"),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/users"] input[name="username"]`)),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/admin/users"] input[name="csrf_token"]').remove()`),
			chromedp.SendKeys(chromedp.CSS(`form[action="/admin/users"] input[name="username"]`), "sneaky"),
			chromedp.SendKeys(chromedp.CSS(`form[action="/admin/users"] input[name="password"]`), "sneaky-password"),
		)
		ctx, cancel := context.WithTimeout(admin.ctx, 20*time.Second)
		defer cancel()
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type="submit"]`)))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusForbidden {
			t.Errorf("user form without its CSRF token: %d, want 403", resp.Status)
		}
		if msg := admin.text("main"); !strings.Contains(msg, "安全令牌") {
			t.Errorf("the refusal says %q, want the CSRF message", msg)
		}
		admin.do("reopen the users page", chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(chromedp.CSS(`table.list`)))
		if strings.Contains(admin.text("table.list"), "sneaky") {
			t.Error("the refused form created the user")
		}
		// The API takes the token in a header: without it, a logged-in
		// browser's POST is refused too (with it, the same POST gets past
		// the CSRF check and fails on its empty body instead).
		for _, path := range []string{"/api/queues", "/api/agents", "/api/trace/import"} {
			if code := admin.fetchCSRF("POST", path, false); code != http.StatusForbidden {
				t.Errorf("admin POST %s without the CSRF token = %d, want 403", path, code)
			}
			if code := admin.fetchCSRF("POST", path, true); code == http.StatusForbidden {
				t.Errorf("admin POST %s with the CSRF token = 403, want past the check", path)
			}
		}
	})

	t.Run("team leader cannot do admin actions", func(t *testing.T) {
		admin.do("create a team leader",
			chromedp.Navigate(base+"/admin/users"),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/users"] input[name="username"]`)),
			chromedp.SendKeys(chromedp.CSS(`form[action="/admin/users"] input[name="username"]`), "leader"),
			chromedp.SetValue(chromedp.CSS(`form[action="/admin/users"] select[name="role"]`), string(auth.RoleTeamLeader)),
			chromedp.SendKeys(chromedp.CSS(`form[action="/admin/users"] input[name="password"]`), "leader-password"),
			chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`p.flash.ok`)),
		)
		leader := newPerson(t, browser, base, "leader")
		leader.login("leader", "leader-password")
		ctx, cancel := context.WithTimeout(leader.ctx, 20*time.Second)
		defer cancel()
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+"/admin/users"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusForbidden || !strings.Contains(leader.text("main"), "无权") {
			t.Errorf("team leader opening /admin/users: %d %q, want the 403 page", resp.Status, leader.text("main"))
		}
		leader.do("back to a page of theirs", chromedp.Navigate(base+"/wallboard"), chromedp.WaitVisible(chromedp.CSS(`header .who`)))
		n := 0
		for _, r := range routes {
			if r.role != auth.RoleAdmin {
				continue
			}
			n++
			if code := leader.fetch(r.method, r.path); code != http.StatusForbidden {
				t.Errorf("team leader %s %s = %d, want 403", r.method, r.path, code)
			}
		}
		if n == 0 {
			t.Error("no admin routes found in web's route table")
		}
		t.Logf("team leader refused on all %d admin routes", n)
		if code := leader.fetch("GET", "/api/calls"); code != http.StatusOK {
			t.Errorf("team leader GET /api/calls = %d, want 200 (their own role's API)", code)
		}
	})

	// The call center's day: the admin creates two agents and a queue in the
	// admin pages; the agents log in and sign in to the ACD from their
	// desktops; a caller keys the demo code and 0 and waits (the wallboard
	// shows it); the chosen agent's desktop pops the caller with the code and
	// its chain while the phone rings; the agent answers from the desktop
	// (the simulated phones never answer by themselves here) and the
	// wallboard shows them talking; the call record has it all.
	t.Run("queue, agents, pop, wallboard, record", func(t *testing.T) {
		type css = chromedp.CSS
		admin.do("open the agents page", chromedp.Navigate(base+"/admin/agents"), chromedp.WaitVisible(css(`header .who`)))
		if !admin.exists(`#agent-form`) {
			t.Fatal("the daemon's /admin/agents has no #agent-form: is web.Deps.ACD wired in cmd/tracecalld/run.go?")
		}
		type agentSpec struct{ id, name, ext string }
		specs := []agentSpec{{"e2e-a", "坐席甲", "sim:8101"}, {"e2e-b", "坐席乙", "sim:8102"}}
		passwords := map[string]string{}
		for _, a := range specs {
			admin.do("create agent "+a.id,
				chromedp.Navigate(base+"/admin/agents"),
				chromedp.WaitVisible(css(`#agent-form`)),
				chromedp.SendKeys(css(`#agent-id`), a.id),
				chromedp.SendKeys(css(`#agent-name`), a.name),
				chromedp.SetValue(css(`#agent-role`), "agent"),
				chromedp.SendKeys(css(`#agent-extension`), a.ext),
				chromedp.Click(css(`#agent-submit`)),
				chromedp.WaitVisible(css(`#agent-password`)),
			)
			if user := admin.text(`#agent-username`); user != a.id {
				t.Errorf("created agent's username = %q, want %s", user, a.id)
			}
			passwords[a.id] = admin.text(`#agent-password`)
			if len(passwords[a.id]) < 8 {
				t.Fatalf("agent %s's password shown once = %q", a.id, passwords[a.id])
			}
		}
		admin.do("reload the agents page", chromedp.Navigate(base+"/admin/agents"), chromedp.WaitVisible(css(`tr[data-agent="e2e-b"]`)))
		if admin.exists(`#agent-password`) {
			t.Error("the agents page shows a password again after the first time")
		}
		admin.do("create the queue hotline",
			chromedp.Navigate(base+"/admin/queues"),
			chromedp.WaitVisible(css(`#queue-form`)),
			chromedp.SendKeys(css(`#queue-name`), "hotline"),
			chromedp.SetValue(css(`#queue-strategy`), "linear"),
			chromedp.SendKeys(css(`#queue-agents`), "e2e-a, e2e-b"),
			chromedp.SendKeys(css(`#queue-ring-timeout`), "60"),
			chromedp.Click(css(`#queue-submit`)),
			chromedp.WaitVisible(css(`tr[data-queue="hotline"]`)),
		)
		// The IVR's queue "trace" has no members; its overflow now sends
		// callers to hotline.
		admin.do("point trace's overflow at hotline",
			chromedp.Navigate(base+"/admin/queues"),
			chromedp.WaitVisible(css(`tr[data-queue="trace"]`)),
			chromedp.Click(css(`tr[data-queue="trace"] a.button`)),
			chromedp.WaitVisible(css(`#queue-name[readonly]`)),
			chromedp.SetValue(css(`#queue-overflow`), "queue hotline"),
		)
		if v, _ := chromedp.Run(admin.ctx, chromedp.Evaluate[string](`document.getElementById("queue-overflow").value`)); v != "queue hotline" {
			t.Fatalf("the overflow select has no option \"queue hotline\" (value %q)", v)
		}
		admin.do("save trace", chromedp.Click(css(`#queue-submit`)), chromedp.WaitVisible(css(`tr[data-queue="trace"]`)))
		var queues []struct{ Name, Overflow, Strategy string }
		if code := d.api("GET", "/api/queues", nil, &queues); code != 200 {
			t.Fatalf("GET /api/queues = %d", code)
		}
		t.Logf("queues after the admin's changes: %+v", queues)

		// Both agents log in, open the desktop and sign in to the ACD, not
		// ready for now, so that the caller waits.
		desks := map[string]*person{}
		for _, a := range specs {
			p := newPerson(t, browser, base, a.id)
			p.login(a.id, passwords[a.id])
			p.do("open the desktop", chromedp.Navigate(base+"/agent"), chromedp.WaitVisible(css(`body[data-live="open"]`)))
			p.do("sign in to the ACD", chromedp.Click(css(`#btn-login`)))
			p.until("ready after signing in", `document.getElementById("agent-state").dataset.state === "ready"`, 10*time.Second)
			p.do("not ready", chromedp.Click(css(`#btn-notready`)))
			p.until("not ready", `document.getElementById("agent-state").dataset.state === "not_ready"`, 10*time.Second)
			desks[a.id] = p
		}

		admin.do("open the wallboard", chromedp.Navigate(base+"/wallboard"), chromedp.WaitVisible(css(`body[data-live="open"]`)))
		code := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex)
		const caller = "13800138000"
		call := placeKeying(t, d, caller, "96315", "1w"+code.TraceCode+"#wwww0", 90*time.Second)
		queueRow := func(name, cell string) string {
			return fmt.Sprintf(`[...document.querySelectorAll("#acd tbody tr")].some(tr => tr.cells[0]?.textContent.trim() === %q && %s)`, name, cell)
		}
		admin.until("the wallboard shows the caller waiting in hotline",
			queueRow("hotline", `tr.cells[1].textContent.trim() === "1"`), 30*time.Second)

		// The first agent gets ready: the ACD offers them the call and their
		// desktop pops it while the phone rings.
		a, b := desks["e2e-a"], desks["e2e-b"]
		a.do("ready", chromedp.Click(css(`#btn-ready`)))
		readyAt := time.Now()
		a.until("the pop, ringing", `(() => { const p = document.getElementById("pop");
			return !p.hidden && p.dataset.state === "ringing" && p.dataset.call === `+fmt.Sprintf("%q", call.id)+`; })()`, 15*time.Second)
		t.Logf("pop on the desktop %v after the agent clicked ready", time.Since(readyAt).Round(time.Millisecond))
		if got := a.text(`#pop-code`); !strings.Contains(got, code.TraceCode) {
			t.Errorf("pop's trace code = %q, want %s", got, code.TraceCode)
		}
		hops, err := chromedp.Run(a.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#pop-chain ol.chain li").length`))
		if err != nil || hops == 0 {
			t.Errorf("pop's chain has %d hops (%v), want the chain", hops, err)
		}
		var sale trace.Event
		for _, e := range code.Events {
			if e.Type == trace.EventRetailSale {
				sale = e
			}
		}
		if chain := a.text(`#pop-chain`); !strings.Contains(chain, sale.Node.Name) {
			t.Errorf("pop's chain %q does not name the retailer %q", chain, sale.Node.Name)
		}
		if got := a.text(`#pop-caller`); got != caller {
			t.Errorf("pop's caller = %q, want %s", got, caller)
		}
		if st, _ := chromedp.Run(a.ctx, chromedp.Evaluate[string](`document.getElementById("agent-state").dataset.state`)); st != "ringing" {
			t.Errorf("agent state while the pop shows = %q, want ringing (not yet answered)", st)
		}
		b.do("ready", chromedp.Click(css(`#btn-ready`)))
		b.until("ready", `document.getElementById("agent-state").dataset.state === "ready"`, 10*time.Second)
		if hidden, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.getElementById("pop").hidden`)); !hidden {
			t.Error("the other agent's desktop popped the call too")
		}

		a.do("answer", chromedp.Click(css(`#btn-answer`)))
		a.until("talking", `document.getElementById("agent-state").dataset.state === "talking"`, 15*time.Second)
		admin.until("the wallboard shows the agent talking", fmt.Sprintf(
			`[...document.querySelectorAll("#acd tbody tr")].some(tr => tr.cells[0]?.textContent.trim() === %q && tr.querySelector("span.state.talking"))`,
			"坐席甲"), 15*time.Second)
		time.Sleep(time.Second)
		a.do("hang up", chromedp.Click(css(`#btn-hangup`)))
		select {
		case <-call.done:
		case <-time.After(15 * time.Second):
			t.Fatal("the caller was not hung up after the agent hung up")
		}

		r := record(t, d, call.id)
		t.Logf("call record: queue %s, wait %.1f s, agent %s, agents tried %v, codes %v", r.Queue, r.QueueWait, r.Agent, r.AgentsTried, r.Codes)
		if r.Queue != "hotline" || r.Agent != "e2e-a" || r.QueueWait <= 0 || len(r.Codes) == 0 || r.Codes[0].Code != code.TraceCode {
			t.Errorf("call record = %+v, want queue hotline, a wait, agent e2e-a and the code", r)
		}
		admin.do("open the call records", chromedp.Navigate(base+"/calls?caller="+caller),
			chromedp.WaitVisible(css(fmt.Sprintf(`tr[data-call=%q]`, call.id))))
		row := admin.text(fmt.Sprintf(`tr[data-call=%q]`, call.id))
		for _, want := range []string{"hotline", "e2e-a", code.TraceCode} {
			if !strings.Contains(row, want) {
				t.Errorf("call records row %q lacks %q", row, want)
			}
		}
	})
}
