package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracecall/trace"
)

const demoCode = "31011500124031500429"

// demoChain is a short pork chain: slaughterhouse, then a retail sale.
func demoChain() trace.Chain {
	cst := time.FixedZone("CST", 8*3600)
	return trace.Chain{
		TraceCode: demoCode,
		Events: []trace.Event{
			{
				ID: "e1", Type: trace.EventSlaughterEntry,
				Node: trace.Node{Code: "220122001", Name: "农安县肉联厂"},
				At:   time.Date(2024, 3, 13, 5, 30, 0, 0, cst), HeadCount: 12,
				OriginName: "吉林省长春市农安县", FarmName: "农安县宏达养殖场",
				Certificates: []trace.Certificate{{Kind: trace.CertAnimalQuarantine, Number: "2201220042", Result: trace.ResultPass}},
			},
			{
				ID: "e2", Type: trace.EventRetailSale,
				Node:     trace.Node{Code: "310115001", Name: "浦东新区东方菜市场"},
				Operator: &trace.Operator{Name: "王摊主", StallNo: "A-12"},
				At:       time.Date(2024, 3, 15, 9, 41, 0, 0, cst),
				Goods:    &trace.Product{GoodsName: "猪肉", Category: trace.CategoryMeat, Part: "前腿肉"},
				WeightKg: 1.25,
			},
		},
		MissingHops: []trace.Hop{trace.HopWholesale},
	}
}

func TestTraceShow(t *testing.T) {
	sock := startRoute(t, "GET /api/trace/{code}", func(w http.ResponseWriter, r *http.Request) {
		switch code := r.PathValue("code"); code {
		case demoCode:
			serveValue(demoChain())(w, r)
		case "123":
			serveJSON(http.StatusBadRequest, `{"error":"code too short","reason":"too_short"}`)(w, r)
		default:
			serveJSON(http.StatusNotFound, `{"error":"no chain for code `+code+`","reason":"not_found"}`)(w, r)
		}
	})

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		{"found", []string{demoCode}, exitOK, []string{
			"trace code  " + demoCode,
			"product     猪肉 (前腿肉)\n",
			"complete    no, missing: wholesale\n",
			"2024-03-13 05:30:00  slaughterEntry  农安县肉联厂",
			"origin 吉林省长春市农安县; farm 农安县宏达养殖场; 12 head",
			"2024-03-15 09:41:00  retailSale      浦东新区东方菜市场  王摊主 (stall A-12)  1.25 kg",
			"animalQuarantine  2201220042  -       pass    slaughterEntry",
		}, ""},
		{"json", []string{"--json", demoCode}, exitOK, []string{`"traceCode": "` + demoCode + `"`}, ""},
		{"malformed", []string{"123"}, exitFail, nil, "tracectl: trace show 123: malformed code: code too short (too_short)\n"},
		{"unknown", []string{"99999999999999999999"}, exitFail, nil,
			"tracectl: trace show 99999999999999999999: unknown code: no chain for code 99999999999999999999 (not_found)\n"},
		{"no code", nil, exitUsage, nil, "want one trace code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := tracectl(t, append([]string{"-s", sock, "trace", "show"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit = %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			wantContains(t, stdout, tt.wantOut...)
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestTraceList(t *testing.T) {
	var rec recorder
	sock := startRoute(t, "GET /api/trace", func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		serveValue([]trace.Chain{demoChain()})(w, r)
	})
	stdout := tracectlOK(t, "-s", sock, "trace", "list", "-n", "5", "--after", "3")
	if q := rec.request().query; q != "after=3&limit=5" {
		t.Errorf("query = %q", q)
	}
	if !strings.Contains(stdout, demoCode) || !strings.Contains(stdout, "猪肉 (前腿肉)  浦东新区东方菜市场  2     no") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestTraceImport(t *testing.T) {
	var rec recorder
	sock := startRoute(t, "POST /api/trace/import", func(w http.ResponseWriter, r *http.Request) {
		switch req := rec.record(r); {
		case strings.Contains(req.body, "long"):
			serveJSON(http.StatusUnprocessableEntity, `{"error":"line 2 is longer than the limit of 8 MiB (8388608 bytes); nothing imported. `+
				`Is the file missing its line breaks?","reason":"line_too_long","line":2,"limit":8388608,"imported":0}`)(w, r)
		case strings.Contains(req.body, "many"):
			serveJSON(http.StatusUnprocessableEntity, `{"error":"5000 bad rows","reason":"bad_rows","imported":0,"rejected":5000,"rows":[`+
				`{"line":3,"reason":"traceCode: too short"}]}`)(w, r)
		case strings.Contains(req.body, "bad"):
			serveJSON(http.StatusUnprocessableEntity, `{"error":"2 bad rows","imported":0,"rows":[`+
				`{"line":3,"reason":"traceCode: too short"},{"line":7,"reason":"at: cannot parse \"x\""}]}`)(w, r)
		case r.URL.Query().Get("partial") == "1":
			serveJSON(http.StatusOK, `{"imported":4,"rejected":1,"rows":[{"line":2,"reason":"weightKg: negative"}]}`)(w, r)
		default:
			serveJSON(http.StatusOK, `{"imported":3,"rejected":0}`)(w, r)
		}
	})
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", "traceCode,...\n1,2\n")
	bad := write("bad.jsonl", "{}\nbad\n")
	noExt := write("chains", "{}\n")
	long := write("long.jsonl", "{}\nlong\n")
	many := write("many.jsonl", "many\n")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
		want     request
	}{
		{"csv from extension", []string{good}, exitOK, "imported 3 chains\n", "",
			request{"format=csv&lang=en&partial=0", "text/csv", "traceCode,...\n1,2\n"}},
		{"bad rows", []string{bad}, exitFail, "",
			"line 3: traceCode: too short\nline 7: at: cannot parse \"x\"\n" +
				"tracectl: trace import " + bad + ": 2 bad rows; nothing imported (--partial imports the good rows)\n",
			request{"format=jsonl&lang=en&partial=0", "application/x-ndjson", "{}\nbad\n"}},
		{"partial after the file", []string{good, "--partial"}, exitOK, "imported 4 chains, rejected 1 bad row\n", "line 2: weightKg: negative\n",
			request{"format=csv&lang=en&partial=1", "text/csv", "traceCode,...\n1,2\n"}},
		{"line too long", []string{long}, exitFail, "",
			"tracectl: trace import " + long + ": line 2 is longer than the limit of 8 MiB (8388608 bytes); nothing imported. Is the file missing its line breaks?\n",
			request{"format=jsonl&lang=en&partial=0", "application/x-ndjson", "{}\nlong\n"}},
		{"more bad rows than shown", []string{many}, exitFail, "",
			"line 3: traceCode: too short\n" +
				"tracectl: trace import " + many + ": 5000 bad rows (the first 1 shown); nothing imported (--partial imports the good rows)\n",
			request{"format=jsonl&lang=en&partial=0", "application/x-ndjson", "many\n"}},
		{"format given", []string{"--format", "jsonl", noExt}, exitOK, "imported 3 chains\n", "",
			request{"format=jsonl&lang=en&partial=0", "application/x-ndjson", "{}\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := tracectl(t, append([]string{"-s", sock, "trace", "import"}, tt.args...)...)
			if code != tt.wantCode || stdout != tt.wantOut || stderr != tt.wantErr {
				t.Errorf("exit %d, stdout %q, stderr %q\nwant %d, %q, %q", code, stdout, stderr, tt.wantCode, tt.wantOut, tt.wantErr)
			}
			if got := rec.request(); got != tt.want {
				t.Errorf("daemon saw %+v, want %+v", got, tt.want)
			}
		})
	}

	_, stderr, code := tracectl(t, "-s", sock, "trace", "import", filepath.Join(dir, "missing.csv"))
	if code != exitFail || !strings.Contains(stderr, "missing.csv: no such file or directory") {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr)
	}
}

func TestTraceExport(t *testing.T) {
	const body = "{\"traceCode\":\"1\"}\n{\"traceCode\":\"2\"}\n"
	sock := startRoute(t, "GET /api/trace/export", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, r.URL.Query().Get("format")+"\n"+body)
	})

	stdout, stderr, code := tracectl(t, "-s", sock, "trace", "export")
	if code != exitOK || stdout != "jsonl\n"+body {
		t.Errorf("stdout: exit %d, %q, stderr %q", code, stdout, stderr)
	}
	out := filepath.Join(t.TempDir(), "all.csv")
	tracectlOK(t, "-s", sock, "trace", "export", "-o", out)
	if b, err := os.ReadFile(out); err != nil || string(b) != "csv\n"+body {
		t.Errorf("%s = %q, %v", out, b, err)
	}
}

func TestTraceGen(t *testing.T) {
	gen := func(args ...string) string {
		t.Helper()
		// No -s: gen must not need a daemon.
		return tracectlOK(t, append([]string{"trace", "gen"}, args...)...)
	}
	a, b := gen("-n", "5", "--seed", "7"), gen("-n", "5", "--seed", "7")
	if a != b {
		t.Error("same seed gave different chains")
	}
	if a == gen("-n", "5") {
		t.Error("seed 7 gave the default seed's chains")
	}
	// What gen writes, import reads: every line a valid chain.
	chains, rows, err := trace.ReadJSONL(strings.NewReader(a), trace.Options{CheckDigit: true})
	if err != nil || len(rows) > 0 || len(chains) != 5 {
		t.Fatalf("ReadJSONL: %d chains, bad rows %v, err %v", len(chains), rows, err)
	}

	dir := t.TempDir()
	out := filepath.Join(dir, "demo.jsonl")
	gen("-n", "5", "--seed", "7", "-o", out)
	if got, err := os.ReadFile(out); err != nil || string(got) != a {
		t.Errorf("-o wrote %d bytes (%v), want the same as stdout", len(got), err)
	}

	csvOut := filepath.Join(dir, "demo.csv")
	gen("-n", "3", "-o", csvOut)
	f, err := os.Open(csvOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	first, err := bufio.NewReader(f).ReadString('\n')
	if want := strings.Join(trace.CSVHeader(), ","); err != nil || strings.TrimSpace(first) != want {
		t.Errorf("csv header %q (%v), want %q", first, err, want)
	}
}
