package main

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"tracecall/store"
)

const callsJSON = `[{"id":"c-2","line":"sim/1","caller":"13800138000","called":"ivr","direction":"inbound",
	"type":"trace","start":"2025-03-01T02:00:00Z","answer":"2025-03-01T02:00:01Z","end":"2025-03-01T02:01:05Z",
	"duration":65.2,"disposition":"answered","inProgress":false,"ivrPath":["welcome","trace"],
	"queue":"trace","queueWait":12.4,"serviceLevelTime":20,"agent":"8001",
	"codes":[{"code":"31011500124031500429","result":"found","at":"2025-03-01T02:00:30Z"},
	         {"code":"123","result":"invalid","reason":"too_short","at":"2025-03-01T02:00:50Z"}],
	"updated":"2025-03-01T02:01:05Z"},
	{"id":"c-1","line":"sim/2","caller":"13900139000","called":"ivr","direction":"inbound","type":"ivr",
	"start":"2025-03-01T01:00:00Z","duration":0,"disposition":"","inProgress":true,"phase":"waiting","queue":"trace",
	"updated":"2025-03-01T01:00:00Z"}]`

func TestCallsFilters(t *testing.T) {
	var rec recorder
	sock := startRoute(t, "GET /api/calls", func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		serveJSON(http.StatusOK, callsJSON)(w, r)
	})

	tests := []struct {
		name      string
		args      []string
		wantQuery url.Values
	}{
		{"no filter", nil, url.Values{}},
		{"all filters", []string{"--from", "2025-03-01", "--to", "2025-03-02 12:00", "--caller", "138", "--type", "trace", "--limit", "5"},
			url.Values{"from": {"2025-03-01"}, "to": {"2025-03-02 12:00"}, "caller": {"138"}, "type": {"trace"}, "limit": {"5"}}},
		{"single dash", []string{"-caller", "13800138000"}, url.Values{"caller": {"13800138000"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout := tracectlOK(t, append([]string{"-s", sock, "calls"}, tt.args...)...)
			if q, _ := url.ParseQuery(rec.request().query); !reflect.DeepEqual(q, tt.wantQuery) {
				t.Errorf("query = %v, want %v", q, tt.wantQuery)
			}
			wantContains(t, stdout,
				"2025-03-01 10:00:00  c-2   sim/1  13800138000  ivr     trace  1m5s      answered               trace  12s   8001   31011500124031500429:found,123:invalid\n",
				"2025-03-01 09:00:00  c-1   sim/2  13900139000  ivr     ivr    0s        in progress (waiting)  trace  -     -      -\n",
			)
		})
	}
}

func TestCallsJSON(t *testing.T) {
	sock := startDaemon(t, serveJSON(http.StatusOK, callsJSON))
	stdout, _, code := tracectl(t, "-s", sock, "calls", "--json")
	if code != exitOK || !strings.HasPrefix(stdout, "[\n  {\n    \"id\": \"c-2\",") {
		t.Errorf("exit %d, stdout:\n%s", code, stdout)
	}
}

func TestCallsBadTime(t *testing.T) {
	sock := startDaemon(t, serveJSON(http.StatusBadRequest, `{"error":"from: cannot parse \"yesterday\"","reason":"bad_time"}`))
	_, stderr, code := tracectl(t, "-s", sock, "calls", "--from", "yesterday")
	if code != exitFail || !strings.Contains(stderr, `tracectl: calls: from: cannot parse "yesterday" (bad_time)`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestCallRecordMirrorsStore keeps tracectl's copy of the call record in step
// with store.CallRecord, which the API serves.
func TestCallRecordMirrorsStore(t *testing.T) {
	tests := []struct {
		name       string
		mine, want reflect.Type
	}{
		{"CallRecord", reflect.TypeFor[callRecord](), reflect.TypeFor[store.CallRecord]()},
		{"CodeLookup", reflect.TypeFor[codeLookup](), reflect.TypeFor[store.CodeLookup]()},
		{"CallNote", reflect.TypeFor[callNote](), reflect.TypeFor[store.CallNote]()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := jsonFields(tt.mine), jsonFields(tt.want); !reflect.DeepEqual(got, want) {
				t.Errorf("tracectl's fields %v\nstore's fields    %v", got, want)
			}
		})
	}
}

// jsonFields lists a struct's JSON names with the kind of each field.
func jsonFields(t reflect.Type) []string {
	var fs []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		fs = append(fs, name+":"+f.Type.Kind().String())
	}
	return fs
}
