package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/trace"
	"tracecall/web"
)

// importServer is a server on a store in data (holding the store file too),
// answering on the unix socket's handler.
func importServer(t *testing.T, data string) (http.Handler, *store.DB) {
	t.Helper()
	db, err := store.Open(filepath.Join(data, "tracecall.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := web.New(web.Deps{Store: db, Bus: event.New(nil), DataDir: data, TraceOptions: trace.Options{CheckDigit: true}})
	return s.SocketHandler(), db
}

// importReply is the answer to an import, whatever its status.
type importReply struct {
	Error    string
	Reason   string
	Line     int
	Limit    int
	Imported int
	Rejected int
	Rows     []trace.RowError
}

func postImport(t *testing.T, h http.Handler, query string, body io.Reader, header ...string) (int, importReply) {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/trace/import?"+query, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var rep importReply
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", rec.Code, err, rec.Body)
	}
	return rec.Code, rep
}

// fileOf is chains written by write (trace.WriteJSONL or trace.WriteCSV).
func fileOf(t *testing.T, write func(io.Writer, iter.Seq[trace.Chain]) error, chains ...trace.Chain) string {
	t.Helper()
	var b strings.Builder
	if err := write(&b, slices.Values(chains)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func jsonLines(t *testing.T, chains ...trace.Chain) string {
	t.Helper()
	return fileOf(t, trace.WriteJSONL, chains...)
}

// TestImportRefusals: each kind of file or request the import refuses gets
// its status, reason and, where there is one, the line; nothing is imported.
func TestImportRefusals(t *testing.T) {
	chains := trace.DemoChains(3)
	jl := jsonLines(t, chains...)
	good := strings.SplitAfter(jl, "\n")
	csvText := fileOf(t, trace.WriteCSV, chains...)
	csvLines := strings.SplitAfter(csvText, "\n")
	long := strings.Repeat("x", trace.MaxLineBytes+1)

	tests := []struct {
		name       string
		query      string
		body       string
		header     []string
		wantCode   int
		wantReason string
		wantLine   int    // the answer's line, or the first bad row's
		wantText   string // in the error or the first bad row
	}{
		{"line too long, jsonl", "format=jsonl", good[0] + good[1] + long + "\n" + good[2], nil, 422, "line_too_long", 3, "第 3 行超过 8 MiB"},
		{"line too long, english", "format=jsonl&lang=en", long, nil, 422, "line_too_long", 1, "line 1 is longer than the limit of 8 MiB (8388608 bytes)"},
		{"line too long, partial", "format=jsonl&partial=1", good[0] + long, nil, 422, "line_too_long", 2, "8388608"},
		{"line too long, csv", "format=csv&lang=en", csvLines[0] + csvLines[1] + long, nil, 422, "line_too_long", 3, "line 3 is longer"},
		{"open quote, csv", "format=csv&lang=en", csvLines[0] + `"` + strings.Repeat("a\n", trace.MaxLineBytes/2+50_000), nil, 422, "line_too_long", 0, "quote left open"},
		{"repeated code, jsonl", "format=jsonl", good[0] + good[1] + good[0], nil, 422, "bad_rows", 3, "already on line 1"},
		{"rows apart, csv", "format=csv", csvText + csvLines[1], nil, 422, "bad_rows", len(csvLines), fmt.Sprintf("its chain began on line %d", 2)},
		{"bad row", "format=jsonl&lang=en", good[0] + "{\"traceCode\": 12}\n", nil, 422, "bad_rows", 2, "1 bad rows; nothing imported"},
		{"gzip", "format=jsonl", jl, []string{"Content-Encoding", "gzip"}, 415, "compressed", 0, "压缩"},
		{"unknown format", "format=xml", jl, nil, 400, "bad_format", 0, "xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, db := importServer(t, t.TempDir())
			code, rep := postImport(t, h, tt.query, strings.NewReader(tt.body), tt.header...)
			if code != tt.wantCode || rep.Reason != tt.wantReason {
				t.Fatalf("answer %d %q (%s), want %d %q", code, rep.Reason, rep.Error, tt.wantCode, tt.wantReason)
			}
			line, text := rep.Line, rep.Error
			if len(rep.Rows) > 0 {
				line, text = rep.Rows[0].Line, rep.Rows[0].Reason+" | "+rep.Error
			}
			if tt.wantLine != 0 && line != tt.wantLine {
				t.Errorf("line %d, want %d (%s)", line, tt.wantLine, text)
			}
			if !strings.Contains(text, tt.wantText) {
				t.Errorf("message %q, want it to say %q", text, tt.wantText)
			}
			if tt.wantReason == "line_too_long" && rep.Limit != trace.MaxLineBytes {
				t.Errorf("limit %d, want %d", rep.Limit, trace.MaxLineBytes)
			}
			if n, _ := db.CountChains(); n != 0 || rep.Imported != 0 {
				t.Errorf("%d chains in the store, %d imported: want none", n, rep.Imported)
			}
		})
	}
}

// TestImportOneAtATime: while an import runs, another is answered 409; a
// body declared larger than the limit is answered 413 before it is read.
func TestImportOneAtATime(t *testing.T) {
	h, db := importServer(t, t.TempDir())
	im, err := db.BeginImport(0)
	if err != nil {
		t.Fatal(err)
	}
	body := jsonLines(t, trace.DemoChains(1)...)
	if code, rep := postImport(t, h, "format=jsonl&lang=en", strings.NewReader(body)); code != 409 || rep.Reason != "import_running" {
		t.Errorf("import during another: %d %+v, want 409 import_running", code, rep)
	}
	if err := im.Abort(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/api/trace/import?format=jsonl", strings.NewReader(body))
	req.ContentLength = 4<<30 + 1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), "4 GiB") {
		t.Errorf("a body declared over 4 GiB: %d %s, want 413 naming the limit", rec.Code, rec.Body)
	}
	if code, rep := postImport(t, h, "format=jsonl", strings.NewReader(body)); code != 200 || rep.Imported != 1 {
		t.Errorf("import after the other ended: %d %+v", code, rep)
	}
}

// TestImportSpoolCleanedAtStart: uploads left by a crash, in the spool
// directory or (from older versions) the data directory, are gone once the
// server is built.
func TestImportSpoolCleanedAtStart(t *testing.T) {
	data := t.TempDir()
	left := []string{filepath.Join(data, "import-123.tmp"), filepath.Join(data, "spool", "import-456.tmp")}
	if err := os.MkdirAll(filepath.Join(data, "spool"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range left {
		if err := os.WriteFile(f, []byte("half an upload"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keep := filepath.Join(data, "api-token")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	importServer(t, data)
	for _, f := range left {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", f, err)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("cleaning the spool removed %s: %v", keep, err)
	}
}

// TestImportFullDisk: on a data disk too small for the import, it is
// answered 507 and the store is as it was, whether the spool or the store
// runs out of room, and no spooled file is left. It mounts a tmpfs, so it
// needs root (as in CI), and fails without it.
func TestImportFullDisk(t *testing.T) {
	data := storetest.SmallDisk(t, 96<<20).Dir
	h, db := importServer(t, data)
	first := trace.DemoChains(5)
	if code, rep := postImport(t, h, "format=jsonl", strings.NewReader(jsonLines(t, first...))); code != 200 || rep.Imported != 5 {
		t.Fatalf("a small import: %d %+v", code, rep)
	}

	// An upload of 40 MB leaves less than the reserve (64 MB) on 96 MB.
	var big bytes.Buffer
	g := trace.NewGenerator(7)
	for i := 0; big.Len() < 40<<20; i++ {
		big.WriteString(jsonLines(t, g.Chain(100+i)))
	}
	code, rep := postImport(t, h, "format=jsonl&lang=en", bytes.NewReader(big.Bytes()))
	if code != 507 || rep.Reason != "disk_full" || !strings.Contains(rep.Error, "kept free for call records") {
		t.Errorf("an import too big for the disk: %d %+v, want 507 disk_full", code, rep)
	}
	// The same without a length: the spool stops as it fills (120 MB sent).
	endless := io.MultiReader(bytes.NewReader(big.Bytes()), bytes.NewReader(big.Bytes()), bytes.NewReader(big.Bytes()))
	req := httptest.NewRequest("POST", "/api/trace/import?format=jsonl&lang=en", endless)
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 507 || !strings.Contains(rec.Body.String(), "disk_full") {
		t.Errorf("an upload of unknown length too big for the disk: %d %s, want 507 disk_full", rec.Code, rec.Body)
	}
	if n, _ := db.CountChains(); n != 5 {
		t.Errorf("%d chains after the refused imports, want the 5 from before", n)
	}
	if left, _ := filepath.Glob(filepath.Join(data, "spool", "*")); len(left) != 0 {
		t.Errorf("spool files left: %v", left)
	}
}
