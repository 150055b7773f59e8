package web

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseSkills(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]int
		wantErr bool
	}{
		{"", map[string]int{}, false},
		{"pork:5, veg:3", map[string]int{"pork": 5, "veg": 3}, false},
		{"猪肉：7，蔬菜=2、en:1", map[string]int{"猪肉": 7, "蔬菜": 2, "en": 1}, false},
		{"pork", nil, true},
		{"pork:x", nil, true},
		{":5", nil, true},
		{"pork:5 pork:6", nil, true},
	}
	for _, tt := range tests {
		got, err := parseSkills(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && skillsText(got) != skillsText(tt.want)) {
			t.Errorf("parseSkills(%q) = %v, %v", tt.in, got, err)
		}
	}
}

// FuzzQueueForm feeds the queue and agent forms any body: they must not
// panic, and a form they accept must give back the name and id as typed.
func FuzzQueueForm(f *testing.F) {
	f.Add("name=vip&strategy=ring_all&agents=8001,8002&skills=pork:5&ring_timeout=15&max_wait=2m&priority=3")
	f.Add("name=%E6%8A%95%E8%AF%89&skills=%E7%8C%AA%E8%82%89%EF%BC%9A9&widen_after=1e300&max_length=-1")
	f.Add("id=Li&extension=sim:8001&skills=a:1,,b:2&priority=99999999999999999999")
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		var errs fieldErrs
		q := queueFromForm(v, "", &errs)
		if errs.empty() && q.Name != strings.TrimSpace(v.Get("name")) {
			t.Errorf("queue name %q from %q", q.Name, v.Get("name"))
		}
		var aerrs fieldErrs
		a := agentFromForm(v, "", &aerrs)
		if aerrs.empty() && (a.ID == "" || strings.ContainsAny(a.ID, " /")) {
			t.Errorf("accepted agent id %q", a.ID)
		}
	})
}
