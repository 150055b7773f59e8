package web

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"tracecall/web/auth"
)

func TestCatalogueComplete(t *testing.T) {
	zh, en := slices.Sorted(maps.Keys(messages["zh"])), slices.Sorted(maps.Keys(messages["en"]))
	if !slices.Equal(zh, en) {
		t.Errorf("catalogue keys differ:\nzh %v\nen %v", zh, en)
	}
	for lang, m := range messages {
		if htmlLang[lang] == "" {
			t.Errorf("no html lang for %s", lang)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s %s is empty", lang, k)
			}
		}
	}
	// Every page renders in both languages: the templates use
	// missingkey=error, so a key missing from the catalogue fails here.
	pages := parsePages()
	id := &auth.Identity{Username: "admin", Role: auth.RoleAdmin, SessionID: "s", CSRFToken: "tok"}
	data := map[string]any{
		"login": loginData{CSRF: "tok", Next: "/"},
		"home":  homeData{Username: "admin"},
		"users": usersData{Users: []userRow{{Username: "admin", Self: true}, {Username: "li", Disabled: true}, {Username: "zhang", Locked: true}}},
		"error": nil,
		"lines": linesData{Rows: []lineRow{{Line: "sim1", State: "in-call", Caller: "13800138000"}}},
		"calls": callsData{
			Types: options(messages["zh"], "type_", callTypes, ""),
			Rows:  []callRow{{ID: "c1", Codes: []codeCell{{Code: "1", Result: "found"}}}}, Full: true,
		},
		"audit": auditData{Actions: options(messages["zh"], "audit_", auditActions, ""),
			Rows: []auditRow{{Seq: 2, User: "zhang", Refused: true}}, Older: "/admin/audit?before=2"},
		"agent":     agentData{Me: "admin", Desk: true, Labels: map[string]string{"desk_call": "x"}},
		"wallboard": wallboardData{Configured: true, Queues: []queueRow{{Name: "q"}}, Agents: []agentRow{{Name: "a"}}},
		"admin_queues": queuesPageData{adminList: adminList{Configured: true}, Rows: []queueAdminRow{{Name: "q", Ringing: 1}},
			Strategies: []choice{{Value: "linear", Label: "l", Selected: true}},
			Form:       adminForm{Editing: "q", Values: map[string]string{"name": "q"}, Errs: map[string]string{"name": "x"}}},
		"admin_agents": agentsPageData{adminList: adminList{Configured: true}, Rows: []agentAdminRow{{ID: "a", State: "ready", Reason: "r"}},
			Form: newAdminForm(), Roles: []choice{{Value: "agent"}}, Created: &createdAgent{Username: "a", Password: "p"}},
	}
	for _, name := range pageNames {
		for lang := range messages {
			v := &view{Lang: lang, HTMLLang: htmlLang[lang], M: messages[lang], User: id, CSRF: "tok", Data: data[name]}
			var b strings.Builder
			if err := pages[name].ExecuteTemplate(&b, "layout", v); err != nil {
				t.Errorf("page %s in %s: %v", name, lang, err)
			}
		}
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/admin/users", "/admin/users"},
		{"/admin/users?x=1&y=2", "/admin/users?x=1&y=2"},
		{"//evil.example/", "/"},
		{"/\\evil.example/", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"/login", "/"},
		{"/logout", "/"},
		{"/a\nb", "/"},
		{"/a b", "/"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // a path on this server
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseLoginForm(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantUser string
		wantNext string
		wantErr  bool
	}{
		{"plain", "username=Zhang&password=pw&csrf_token=t", "zhang", "/", false},
		{"next", "username=a&password=pw&next=%2Fadmin%2Fusers", "a", "/admin/users", false},
		{"offsite next", "username=a&password=pw&next=https%3A%2F%2Fevil.example", "a", "/", false},
		{"long username", "username=" + strings.Repeat("a", 65) + "&password=pw", "", "/", true},
		{"control in username", "username=a%00b&password=pw", "", "/", true},
		{"bad UTF-8 password", "username=a&password=%ff%fe", "", "/", true},
		{"long password", "username=a&password=" + strings.Repeat("p", 257), "", "/", true},
		{"empty", "", "", "/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parseLoginForm(v)
			if (err != nil) != tt.wantErr || f.Username != tt.wantUser || f.Next != tt.wantNext {
				t.Errorf("parseLoginForm(%q) = %+v, %v", tt.body, f, err)
			}
		})
	}
}

// FuzzParseLoginForm feeds the login form parser any body: it must not
// panic, and what it returns must be safe to use.
func FuzzParseLoginForm(f *testing.F) {
	f.Add("username=admin&password=secret&csrf_token=abc&next=%2F")
	f.Add("username=%E5%BC%A0%E4%BC%9F&password=%ff&next=%2F%2Fevil")
	f.Add("next=%2F%5Cevil.example&username=&password=")
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		lf, err := parseLoginForm(v)
		if !strings.HasPrefix(lf.Next, "/") || strings.HasPrefix(lf.Next, "//") || strings.HasPrefix(lf.Next, "/\\") {
			t.Errorf("unsafe next %q", lf.Next)
		}
		if u, perr := url.Parse(lf.Next); perr != nil || u.Host != "" || u.Scheme != "" {
			t.Errorf("next %q leaves the server", lf.Next)
		}
		if err != nil {
			return
		}
		if len(lf.Username) > 64 || !utf8.ValidString(lf.Username) || !utf8.ValidString(lf.Password) {
			t.Errorf("accepted form with username %q", lf.Username)
		}
		if lf.Username != strings.ToLower(strings.TrimSpace(lf.Username)) {
			t.Errorf("username %q not normalised", lf.Username)
		}
	})
}
