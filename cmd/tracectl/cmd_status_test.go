package main

import (
	"net/http"
	"testing"
)

const statusJSON = `{"version":"0.1.0","started":"2025-03-01T00:00:00Z","uptime_seconds":3723.4,` +
	`"lines":8,"lines_busy":2,"calls_active":1,"chains":3000,"data_dir":"/var/lib/tracecall"}`

func TestStatus(t *testing.T) {
	sock := startRoute(t, "GET /api/status", serveJSON(http.StatusOK, statusJSON))

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"table", nil, []string{
			"version       0.1.0\n",
			"started       2025-03-01 08:00:00 (up 1h2m3s)\n", // shown in Asia/Shanghai
			"lines         8 (2 busy)\n",
			"active calls  1\n",
			"trace chains  3000\n",
			"data dir      /var/lib/tracecall\n",
		}},
		{"json", []string{"--json"}, []string{"{\n  \"version\": \"0.1.0\",\n", `"chains": 3000`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout := tracectlOK(t, append([]string{"-s", sock, "status"}, tt.args...)...)
			wantContains(t, stdout, tt.want...)
		})
	}
}

func TestStatusAPIError(t *testing.T) {
	sock := startDaemon(t, serveJSON(http.StatusServiceUnavailable, `{"error":"store is closed","reason":"shutting_down"}`))
	_, stderr, code := tracectl(t, "-s", sock, "status")
	if code != exitFail || stderr != "tracectl: status: store is closed (shutting_down)\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestLines(t *testing.T) {
	sock := startRoute(t, "GET /api/lines", serveJSON(http.StatusOK, `[
		{"line":"sim/1","number":"80000001","state":"in-call","caller":"13800138000","called":"ivr",
		 "since":"2025-03-01T02:03:04Z","call_id":"c-1","doing":"trace query"},
		{"line":"sim/2","number":"80000002","state":"idle"}]`))
	stdout := tracectlOK(t, "-s", sock, "lines")
	want := "" +
		"LINE   NUMBER    STATE    SINCE                CALLER       CALLED  CALL  DOING\n" +
		"sim/1  80000001  in-call  2025-03-01 10:03:04  13800138000  ivr     c-1   trace query\n" +
		"sim/2  80000002  idle     -                    -            -       -     -\n"
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
}
