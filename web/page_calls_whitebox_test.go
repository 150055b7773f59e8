package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
)

func TestParseCallQuery(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name      string
		query     string
		want      store.CallFilter
		wantDisp  string
		wantField string // of the *queryError, "" for none
	}{
		{"empty", "", store.CallFilter{Limit: 100}, "", ""},
		{"all fields", "from=2026-11-20&to=2026-11-20T18:00&caller=%2B86138&type=trace&disposition=answered&limit=5",
			store.CallFilter{From: time.Date(2026, 11, 20, 0, 0, 0, 0, loc), To: time.Date(2026, 11, 20, 18, 0, 0, 0, loc),
				Caller: "+86138", Type: "trace", Limit: 5}, "answered", ""},
		{"limit capped", "limit=999999", store.CallFilter{Limit: store.MaxCallLimit}, "", ""},
		{"bad from", "from=soon", store.CallFilter{}, "", "from"},
		{"bad to", "to=2026-13-01", store.CallFilter{}, "", "to"},
		{"letters in caller", "caller=13a", store.CallFilter{}, "", "caller"},
		{"unknown type", "type=fax", store.CallFilter{}, "", "type"},
		{"unknown disposition", "disposition=lost", store.CallFilter{}, "", "disposition"},
		{"zero limit", "limit=0", store.CallFilter{}, "", "limit"},
		{"control character", "agent=a%00b", store.CallFilter{}, "", "agent"},
		{"too long", "caller=" + strings.Repeat("1", 65), store.CallFilter{}, "", "caller"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.query)
			got, err := parseCallQuery(v, loc, 100)
			var qe *queryError
			if tt.wantField != "" {
				if !errors.As(err, &qe) || qe.Field != tt.wantField || messages["zh"][qe.Msg] == "" {
					t.Fatalf("err = %v, want a queryError on %s with a catalogue message", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Filter.From.Equal(tt.want.From) || !got.Filter.To.Equal(tt.want.To) || got.Filter.Caller != tt.want.Caller ||
				got.Filter.Type != tt.want.Type || got.Filter.Limit != tt.want.Limit || got.Disposition != tt.wantDisp {
				t.Errorf("parseCallQuery = %+v %q, want %+v %q", got.Filter, got.Disposition, tt.want, tt.wantDisp)
			}
		})
	}
}

// FuzzParseCallQuery: any query string parses or fails with a *queryError,
// never panics, and what parses survives the round trip through the CSV
// link.
func FuzzParseCallQuery(f *testing.F) {
	for _, s := range []string{"", "from=2026-11-20&to=2026-11-21", "caller=138&type=ivr&disposition=failed&limit=10",
		"from=2026-11-20T09:30", "agent=zhang", "caller=%ff", "limit=-1", "to=2026-11-20 23:59"} {
		f.Add(s)
	}
	loc := time.FixedZone("CST", 8*3600)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseCallQuery(v, loc, 100)
		if err != nil {
			var qe *queryError
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is not a *queryError", err)
			}
			return
		}
		again, err := parseCallQuery(q.values(), loc, 100)
		if err != nil || again.Filter.Caller != q.Filter.Caller || !again.Filter.From.Equal(q.Filter.From) ||
			again.Filter.Limit != q.Filter.Limit || again.Disposition != q.Disposition || again.Agent != q.Agent {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", raw, again, err, q)
		}
	})
}

func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""}, {"13800138000", "13800138000"}, {"=1+1", "'=1+1"}, {"+8613800138000", "'+8613800138000"},
		{"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"主叫", "主叫"},
	}
	for _, tt := range tests {
		if got := csvCell(tt.in); got != tt.want {
			t.Errorf("csvCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{{0, "0:00"}, {-3, "0:00"}, {59.6, "1:00"}, {95, "1:35"}, {3600, "1:00:00"}, {3725, "1:02:05"}}
	for _, tt := range tests {
		if got := formatDuration(tt.in); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMenuMatchesRoutes: each page the menu offers is a GET route with the
// same least role, so the menu never shows a page that answers 403.
func TestMenuMatchesRoutes(t *testing.T) {
	s := New(Deps{Store: storetest.Open(t), Bus: event.New(nil)})
	for _, p := range panelPages {
		i := slices.IndexFunc(s.Routes(), func(r Route) bool { return r.Pattern == http.MethodGet+" "+p.Href })
		if i < 0 {
			t.Errorf("menu page %s has no route", p.Href)
			continue
		}
		if r := s.Routes()[i]; r.Role != p.Role {
			t.Errorf("menu page %s for %s, route for %s", p.Href, p.Role, r.Role)
		}
		for _, lang := range []string{"zh", "en"} {
			if messages[lang]["nav_"+p.Key] == "" || messages[lang]["hint_"+p.Key] == "" {
				t.Errorf("menu page %s: no %s label or hint", p.Href, lang)
			}
		}
	}
}
