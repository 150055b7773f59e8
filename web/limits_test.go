package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/web"
)

type fakeRefusals web.Refusals

func (f fakeRefusals) Refusals() web.Refusals { return web.Refusals(f) }

// TestRefusalsShown: the line monitor says, in the page's language and with
// no identifier on the Chinese page, how many calls the per-source limits
// refused and who was refused most; /api/status counts them.
func TestRefusalsShown(t *testing.T) {
	srv := web.New(web.Deps{Store: storetest.Open(t), Bus: event.New(nil), Token: token, DataDir: t.TempDir(),
		Refusals: fakeRefusals{Total: 4537, Shed: 4437, ByLimit: map[string]uint64{"source_call_rate": 4537},
			Sources: []web.RefusedSource{{Source: "192.0.2.66", Refused: 4537, Limit: "source_call_rate", Last: time.Now()}}}})
	tcp := httptest.NewServer(srv.TCPHandler())
	defer tcp.Close()
	get := func(url string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := tcp.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d %s", url, resp.StatusCode, b)
		}
		return string(b)
	}
	tests := []struct {
		lang      string
		want, not []string
	}{
		{"zh", []string{"因来源超限被拒绝的呼叫（不计入通话记录）： 4537", "192.0.2.66", "4537 次", "单个地址每秒新呼叫数"}, []string{"source_call_rate", "refused"}},
		{"en", []string{"Calls refused by per-source limits (not in the call records): 4537", "192.0.2.66", "new calls a second from one address"}, []string{"source_call_rate"}},
	}
	for _, tt := range tests {
		body := get(tcp.URL + "/lines?lang=" + tt.lang)
		i := strings.Index(body, `id="refused"`)
		if i < 0 {
			t.Fatalf("%s: no line about refused calls:\n%s", tt.lang, body)
		}
		line := body[i:]
		line = line[:strings.Index(line, "</p>")]
		for _, w := range tt.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q not in %q", tt.lang, w, line)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(line[len(`id="refused"`):], n) {
				t.Errorf("%s: %q in %q", tt.lang, n, line)
			}
		}
	}
	var st struct {
		CallsRefused uint64       `json:"calls_refused"`
		Limits       web.Refusals `json:"limits"`
	}
	if err := json.Unmarshal([]byte(get(tcp.URL+"/api/status")), &st); err != nil {
		t.Fatal(err)
	}
	if st.CallsRefused != 4537 || st.Limits.Shed != 4437 || len(st.Limits.Sources) != 1 {
		t.Errorf("/api/status: %+v", st)
	}
}
