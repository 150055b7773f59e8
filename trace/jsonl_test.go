package trace_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"tracecall/trace"
)

// sameChains fails unless got and want have the same JSON, chain by chain.
func sameChains(t *testing.T, got, want []trace.Chain) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d chains, want %d", len(got), len(want))
	}
	for i := range want {
		if g, w := jsonOf(t, got[i]), jsonOf(t, want[i]); g != w {
			t.Fatalf("chain %d differs:\n got %s\nwant %s", i, g, w)
		}
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	want := trace.DemoChains(300)
	var buf bytes.Buffer
	if err := trace.WriteJSONL(&buf, slices.Values(want)); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != len(want) {
		t.Fatalf("%d lines for %d chains", n, len(want))
	}
	got, rows, err := trace.ReadJSONL(bytes.NewReader(buf.Bytes()), demoOpts)
	if err != nil || len(rows) != 0 {
		t.Fatalf("ReadJSONL: %v, rows %v", err, rows)
	}
	sameChains(t, got, want)

	// Streaming gives the same, one chain per Next.
	d := trace.NewDecoder(bytes.NewReader(buf.Bytes()), demoOpts)
	var streamed []trace.Chain
	for c, err := range d.All() {
		if err != nil {
			t.Fatal(err)
		}
		streamed = append(streamed, c)
	}
	sameChains(t, streamed, want)

	// CRLF line ends and a missing final newline are fine.
	crlf := bytes.ReplaceAll(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"), []byte("\r\n"))
	got, rows, err = trace.ReadJSONL(bytes.NewReader(crlf), demoOpts)
	if err != nil || len(rows) != 0 {
		t.Fatalf("ReadJSONL CRLF: %v, rows %v", err, rows)
	}
	sameChains(t, got, want)
}

func TestJSONLBadRows(t *testing.T) {
	cs := trace.DemoChains(3)
	good0, good1, good2 := jsonOf(t, cs[0]), jsonOf(t, cs[1]), jsonOf(t, cs[2])
	lines := []string{
		good0, // 1
		"",    // 2: blank lines are skipped
		strings.Replace(good1, `"weightKg":2450`, `"weightKg":"abc"`, 1), // 3
		`{"traceCode":`, // 4
		good0,           // 5: duplicate of line 1
		strings.Replace(good2, `"traceCode":`, `"tracecode2":"x","traceCode":`, 1),      // 6
		strings.Replace(good2, `"at":"`, `"at":"x`, 1),                                  // 7
		strings.Replace(good2, `"eventId":"`+cs[2].TraceCode+`-01"`, `"eventId":""`, 1), // 8
		`[]`,          // 9
		good2 + ` {}`, // 10
		good2,         // 11
	}
	in := strings.Join(lines, "\n") + "\n"
	got, rows, err := trace.ReadJSONL(strings.NewReader(in), demoOpts)
	if err != nil {
		t.Fatal(err)
	}
	want := []trace.RowError{
		{Line: 3, Reason: "events.weightKg: want float64, got JSON string"},
		{Line: 4, Reason: "JSON object cut short"},
		{Line: 5, Reason: "traceCode: " + cs[0].TraceCode + " already on line 1"},
		{Line: 6, Reason: `unknown field "tracecode2"`},
		{Line: 7, Reason: `bad time "x2026-02-24T21:06:00+08:00": want RFC 3339, e.g. 2024-03-15T09:12:00+08:00`},
		{Line: 8, Reason: "events[0].eventId: missing"},
		{Line: 9, Reason: "want a JSON object, got JSON array"},
		{Line: 10, Reason: "extra data after the chain's JSON object"},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", rowsText(rows), rowsText(want))
	}
	sameChains(t, got, []trace.Chain{cs[0], cs[2]})

	n, vrows, err := trace.ValidateAll(strings.NewReader(in), trace.FormatJSONL, demoOpts)
	if err != nil || n != 2 || !slices.Equal(vrows, rows) {
		t.Errorf("ValidateAll = %d, %v, %v; want 2 and the same rows", n, vrows, err)
	}
}

func rowsText(rows []trace.RowError) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("  " + r.Error() + "\n")
	}
	return b.String()
}

// TestJSONLLongLine: a line over MaxLineBytes ends the read with an error naming
// its line and the limit, whether or not it ends with a newline, and nothing
// after it is read.
func TestJSONLLongLine(t *testing.T) {
	good := jsonOf(t, trace.DemoChains(1)[0])
	long := `{"traceCode":"` + strings.Repeat("1", trace.MaxLineBytes) + `"}`
	justFits := strings.Repeat(" ", trace.MaxLineBytes-len(good)) + good
	tests := []struct {
		name     string
		in       string
		want     []string // codes read before the error
		wantLine int      // 0: no error
	}{
		{"first line", long + "\n" + good + "\n", nil, 1},
		{"third line, no newline", good + "\n\n" + long, []string{trace.DemoPorkCode}, 3},
		{"no newline at all", strings.Repeat("x", 3*trace.MaxLineBytes), nil, 1},
		{"exactly the limit, CRLF", justFits + "\r\n" + good, []string{trace.DemoPorkCode, trace.DemoPorkCode}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := trace.NewDecoder(strings.NewReader(tt.in), demoOpts)
			var got []string
			var final error
			for c, err := range d.All() {
				if err != nil {
					final = err
					continue
				}
				got = append(got, c.TraceCode)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("read %q before the error, want %q", got, tt.want)
			}
			var le *trace.LineTooLongError
			switch {
			case tt.wantLine == 0 && final != nil:
				t.Errorf("error %v, want none", final)
			case tt.wantLine == 0:
			case !errors.As(final, &le) || le.Line != tt.wantLine || le.Limit != trace.MaxLineBytes:
				t.Errorf("error %v, want a LineTooLongError on line %d", final, tt.wantLine)
			case !strings.Contains(final.Error(), fmt.Sprintf("line %d ", tt.wantLine)) || !strings.Contains(final.Error(), "8388608"):
				t.Errorf("error %q names neither line nor limit", final)
			}
			if tt.wantLine != 0 {
				if _, err := d.Next(); !errors.As(err, &le) {
					t.Errorf("Next after the long line = %v, want the same error again", err)
				}
			}
		})
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		r.n--
		return copy(p, "\n"), nil
	}
	return 0, errors.New("disk on fire")
}

func TestJSONLReadError(t *testing.T) {
	_, _, err := trace.ReadJSONL(&failingReader{n: 2}, demoOpts)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("ReadJSONL error = %v, want the read error", err)
	}
}

func BenchmarkReadJSONL(b *testing.B) {
	var buf bytes.Buffer
	if err := trace.WriteJSONL(&buf, trace.NewGenerator(trace.DemoSeed).Chains(1000)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		d := trace.NewDecoder(bytes.NewReader(buf.Bytes()), demoOpts)
		for _, err := range d.All() {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
