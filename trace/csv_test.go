package trace_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tracecall/trace"
)

func writeCSV(t *testing.T, chains []trace.Chain) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := trace.WriteCSV(&buf, slices.Values(chains)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decodeAll drains a CSVDecoder into chains and row errors.
func decodeAll(t *testing.T, d *trace.CSVDecoder) ([]trace.Chain, []trace.RowError) {
	t.Helper()
	chains, rows, err := decodeToEnd(d)
	if err != nil {
		t.Fatal(err)
	}
	return chains, rows
}

// decodeToEnd drains a CSVDecoder into chains, row errors and the final
// error, if any.
func decodeToEnd(d *trace.CSVDecoder) (chains []trace.Chain, rows []trace.RowError, final error) {
	for c, err := range d.All() {
		var re *trace.RowError
		switch {
		case errors.As(err, &re):
			rows = append(rows, *re)
		case err != nil:
			final = err
		default:
			chains = append(chains, c)
		}
	}
	return chains, rows, final
}

func TestCSVRoundTrip(t *testing.T) {
	want := trace.DemoChains(300)
	data := writeCSV(t, want)
	got, rows, err := trace.ReadCSV(bytes.NewReader(data), demoOpts)
	if err != nil || len(rows) != 0 {
		t.Fatalf("ReadCSV: %v\n%s", err, rowsText(rows))
	}
	sameChains(t, got, want)

	streamed, rows := decodeAll(t, trace.NewCSVDecoder(bytes.NewReader(data), demoOpts))
	if len(rows) != 0 {
		t.Fatalf("CSVDecoder rows:\n%s", rowsText(rows))
	}
	sameChains(t, streamed, want)

	// Export → import → export is stable byte for byte.
	if again := writeCSV(t, got); !bytes.Equal(again, data) {
		t.Error("second export differs from the first")
	}
}

func TestCSVHeader(t *testing.T) {
	data := writeCSV(t, trace.DemoChains(1))
	first, _, _ := strings.Cut(string(data), "\n")
	if first != strings.Join(trace.CSVHeader(), ",") {
		t.Errorf("header %q", first)
	}
	// The documented format lists every column.
	doc, err := os.ReadFile(filepath.Join("testdata", "csv-format.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range trace.CSVHeader() {
		if !strings.Contains(string(doc), "`"+col+"`") {
			t.Errorf("testdata/csv-format.md does not document column %s", col)
		}
	}
	// Its example imports.
	_, example, _ := strings.Cut(string(doc), "## Example\n\n```\n")
	example, _, _ = strings.Cut(example, "```")
	chains, rows, err := trace.ReadCSV(strings.NewReader(example), demoOpts)
	if err != nil || len(rows) != 0 || len(chains) != 1 || chains[0].RetailSale().WeightKg != 0.86 {
		t.Errorf("csv-format.md example: %d chains, %v, rows:\n%s", len(chains), err, rowsText(rows))
	}
}

// TestCSVBadRowFile is the import fixture: two chains, line 7 has weight_kg "abc".
func TestCSVBadRowFile(t *testing.T) {
	path := filepath.Join("testdata", "import_bad_row.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wantRows := []trace.RowError{{Line: 7, Reason: `weight_kg: not a number: "abc"`}}
	if got := wantRows[0].Error(); got != `line 7: weight_kg: not a number: "abc"` {
		t.Errorf("RowError text %q", got)
	}
	chains, rows, err := trace.ReadCSV(bytes.NewReader(data), demoOpts)
	if err != nil || !slices.Equal(rows, wantRows) {
		t.Fatalf("ReadCSV rows = %v, %v; want %v", rows, err, wantRows)
	}
	// The chain with the bad row is left out whole; the other one is fine.
	sameChains(t, chains, trace.DemoChains(2)[1:])

	streamed, rows := decodeAll(t, trace.NewCSVDecoder(bytes.NewReader(data), demoOpts))
	if !slices.Equal(rows, wantRows) {
		t.Errorf("CSVDecoder rows = %v", rows)
	}
	sameChains(t, streamed, chains)

	n, rows, err := trace.ValidateAll(bytes.NewReader(data), trace.FormatCSV, demoOpts)
	if err != nil || n != 1 || !slices.Equal(rows, wantRows) {
		t.Errorf("ValidateAll = %d, %v, %v", n, rows, err)
	}
	chains, rows, err = trace.ReadAll(bytes.NewReader(data), trace.FormatCSV, demoOpts)
	if err != nil || len(chains) != 1 || !slices.Equal(rows, wantRows) {
		t.Errorf("ReadAll = %d chains, %v, %v", len(chains), rows, err)
	}
}

// editCSV rewrites cells of a CSV file: edits maps "line:column" to a new value.
func editCSV(t *testing.T, data []byte, edits map[[2]string]string) []byte {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range edits {
		line, err := strconv.Atoi(k[0])
		if err != nil {
			t.Fatal(err)
		}
		col := slices.Index(recs[0], k[1])
		if col < 0 {
			t.Fatalf("no column %s", k[1])
		}
		recs[line-1][col] = v
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCSVRowProblems(t *testing.T) {
	// Lines 2-8: chain 0 (pork), 9-13: chain 1 (veg), 14-20: chain 2 (pork).
	base := writeCSV(t, trace.DemoChains(3))
	tests := []struct {
		name  string
		edits map[[2]string]string
		want  []trace.RowError
		good  int // chains still imported
	}{
		{"number", map[[2]string]string{{"3", "head_count"}: "4x"},
			[]trace.RowError{{Line: 3, Reason: `head_count: not a whole number: "4x"`}}, 2},
		{"infinite", map[[2]string]string{{"4", "unit_price"}: "Inf"},
			[]trace.RowError{{Line: 4, Reason: `unit_price: not a finite number: "Inf"`}}, 2},
		{"time", map[[2]string]string{{"10", "at"}: "2024-03-13 05:10"},
			[]trace.RowError{{Line: 10, Reason: `at: not an RFC 3339 time: "2024-03-13 05:10"`}}, 2},
		{"two problems on one row", map[[2]string]string{{"10", "at"}: "", {"10", "node_type"}: "x"},
			[]trace.RowError{{Line: 10, Reason: `node_type: not a whole number: "x"`}}, 2},
		{"validation, mapped to the column", map[[2]string]string{{"5", "node_code"}: "11010600"},
			[]trace.RowError{{Line: 5, Reason: "node_code: too short: 8 digits, want 9"}}, 2},
		{"missing time", map[[2]string]string{{"11", "at"}: ""},
			[]trace.RowError{{Line: 11, Reason: "at: missing"}}, 2},
		{"list item", map[[2]string]string{{"2", "ear_tags"}: "137060200012345|4"},
			[]trace.RowError{{Line: 2, Reason: "ear_tags item 2: too short: 1 digits, want 15"}}, 2},
		{"certificate item", map[[2]string]string{{"3", "cert_number"}: "370602240313001|RZ|SLJ240313003"},
			[]trace.RowError{{Line: 3, Reason: "cert_number item 2: too short: 2 characters, want 6 to 32"}}, 2},
		{"parallel lists", map[[2]string]string{{"3", "cert_result"}: "pass|pass"},
			[]trace.RowError{{Line: 3, Reason: "cert_result: 2 items, want 3 (one per cert_number)"}}, 2},
		{"cert columns without numbers", map[[2]string]string{{"8", "cert_result"}: "pass"},
			[]trace.RowError{{Line: 8, Reason: "cert_result: set without cert_number"}}, 2},
		{"chain columns disagree", map[[2]string]string{{"12", "synced_at"}: "2024-03-15T11:00:00+08:00"},
			[]trace.RowError{{Line: 12, Reason: `synced_at: "2024-03-15T11:00:00+08:00" differs from line 9 ("2024-03-15T10:40:00+08:00")`}}, 2},
		{"chain-level problem on the first line", map[[2]string]string{{"9", "code_kind"}: "vin", {"10", "code_kind"}: "vin",
			{"11", "code_kind"}: "vin", {"12", "code_kind"}: "vin", {"13", "code_kind"}: "vin"},
			[]trace.RowError{{Line: 9, Reason: `code_kind: unknown kind "vin"`}}, 2},
		{"missing trace code", map[[2]string]string{{"13", "trace_code"}: ""},
			// The row cannot be tied to a chain, so chain 1 is imported without its sale:
			// one more reason the default is all or nothing.
			[]trace.RowError{{Line: 13, Reason: "trace_code: missing"}}, 3},
		{"bad rows in two chains", map[[2]string]string{{"2", "weight_kg"}: "-", {"20", "weight_kg"}: "1,5"},
			[]trace.RowError{{Line: 2, Reason: `weight_kg: not a number: "-"`}, {Line: 20, Reason: `weight_kg: not a number: "1,5"`}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := editCSV(t, base, tt.edits)
			chains, rows, err := trace.ReadCSV(bytes.NewReader(data), demoOpts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rows, tt.want) {
				t.Errorf("rows:\n%swant:\n%s", rowsText(rows), rowsText(tt.want))
			}
			if len(chains) != tt.good {
				t.Errorf("%d chains imported, want %d", len(chains), tt.good)
			}
			streamed, srows := decodeAll(t, trace.NewCSVDecoder(bytes.NewReader(data), demoOpts))
			if !slices.Equal(srows, rows) || len(streamed) != len(chains) {
				t.Errorf("CSVDecoder: %d chains, rows:\n%s", len(streamed), rowsText(srows))
			}
		})
	}
}

func TestCSVGrouping(t *testing.T) {
	want := trace.DemoChains(3)
	data := writeCSV(t, want)
	lines := strings.SplitAfter(string(data), "\n")
	// Interleave: header, then rows of all chains in turn, reversed.
	rows := slices.Clone(lines[1 : len(lines)-1])
	slices.Reverse(rows)
	shuffled := lines[0] + strings.Join(rows, "")

	got, bad, err := trace.ReadCSV(strings.NewReader(shuffled), demoOpts)
	if err != nil || len(bad) != 0 {
		t.Fatalf("ReadCSV: %v\n%s", err, rowsText(bad))
	}
	// Chains come in order of their first row: 2, 1, 0.
	sameChains(t, got, []trace.Chain{want[2], want[1], want[0]})

	// Consecutive but reversed within each chain is fine for the decoder too.
	streamed, bad := decodeAll(t, trace.NewCSVDecoder(strings.NewReader(shuffled), demoOpts))
	if len(bad) != 0 {
		t.Fatalf("CSVDecoder rows:\n%s", rowsText(bad))
	}
	sameChains(t, streamed, got)

	// Split chain 0 around chain 1: ReadCSV still groups it. The decoder cannot
	// know more rows are coming, so it returns the first part of chain 0 as it is,
	// then reports the rows that reappear.
	split := lines[0] + strings.Join(lines[1:5], "") + strings.Join(lines[8:13], "") + strings.Join(lines[5:8], "")
	got, bad, err = trace.ReadCSV(strings.NewReader(split), demoOpts)
	if err != nil || len(bad) != 0 {
		t.Fatalf("ReadCSV split: %v\n%s", err, rowsText(bad))
	}
	sameChains(t, got, want[:2])
	streamed, bad = decodeAll(t, trace.NewCSVDecoder(strings.NewReader(split), demoOpts))
	wantBad := []trace.RowError{{Line: 11, Reason: "trace_code: rows of " + trace.DemoPorkCode +
		" are not consecutive (its chain began on line 2); sort the file or use ReadCSV"}}
	if !slices.Equal(bad, wantBad) {
		t.Errorf("CSVDecoder split rows:\n%swant:\n%s", rowsText(bad), rowsText(wantBad))
	}
	if len(streamed) != 2 || len(streamed[0].Events) != 4 || streamed[1].TraceCode != want[1].TraceCode {
		t.Errorf("CSVDecoder split gave %d chains", len(streamed))
	}
}

func TestCSVHeaderProblems(t *testing.T) {
	tests := []struct {
		name, in string
		want     []trace.RowError
		chains   int
	}{
		{"empty file", "", nil, 0},
		{"header only", strings.Join(trace.CSVHeader(), ",") + "\n", nil, 0},
		{"unknown and missing columns", "trace_code,type,at,colour\n1,2,3,4\n",
			[]trace.RowError{{Line: 1, Reason: `header: unknown column "colour"; missing column "event_id"; missing column "node_code"; missing column "node_name"; missing column "node_type"`}}, 0},
		{"repeated column", "trace_code,event_id,type,at,node_code,node_name,node_type,at\n",
			[]trace.RowError{{Line: 1, Reason: `header: column "at" appears twice`}}, 0},
		{"field count", "trace_code,event_id,type,at,node_code,node_name,node_type\n" + trace.DemoPorkCode + ",x\n",
			[]trace.RowError{{Line: 2, Reason: "2 fields, want 7 as in the header"}}, 0},
		{"bare quote", "trace_code,event_id,type,at,node_code,node_name,node_type\na\"b,1,2,3,4,5,6\n",
			[]trace.RowError{{Line: 2, Reason: `bad CSV: bare " in non-quoted-field`}}, 0},
		{"minimal columns in any order, with BOM", "\uFEFFnode_type,node_name,node_code,at,type,event_id,trace_code\n" +
			"3,东安街菜市场,110106005,2024-03-15T09:12:00+08:00,retailSale,e1," + trace.DemoPorkCode + "\n", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chains, rows, err := trace.ReadCSV(strings.NewReader(tt.in), demoOpts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rows, tt.want) || len(chains) != tt.chains {
				t.Errorf("%d chains, rows:\n%swant %d chains, rows:\n%s", len(chains), rowsText(rows), tt.chains, rowsText(tt.want))
			}
		})
	}
}

func TestWriteCSVErrors(t *testing.T) {
	c := clone(t, trace.DemoChains(1)[0])
	c.Events[0].InputRefs = []string{"a|b"}
	if err := trace.WriteCSV(io.Discard, slices.Values([]trace.Chain{c})); err == nil {
		t.Error("WriteCSV accepted a list item with '|'")
	}
	if err := trace.WriteCSV(io.Discard, slices.Values([]trace.Chain{{TraceCode: "x"}})); err == nil {
		t.Error("WriteCSV accepted a chain without events")
	}
	if err := trace.WriteAll(io.Discard, "xml", slices.Values([]trace.Chain{})); err == nil {
		t.Error("WriteAll accepted format xml")
	}
	if _, _, err := trace.ReadAll(strings.NewReader(""), "xml", demoOpts); err == nil {
		t.Error("ReadAll accepted format xml")
	}
}

func BenchmarkWriteCSV(b *testing.B) {
	chains := trace.DemoChains(1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := trace.WriteCSV(io.Discard, slices.Values(chains)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCSVLimits: a long line, a quote left open over many short lines and one
// chain on too many rows cost no more than about MaxLineBytes each. The first
// two end the read with an error naming the line and the limit; the last is a
// bad row and the chains after it are read.
func TestCSVLimits(t *testing.T) {
	chains := trace.DemoChains(2)
	data := string(writeCSV(t, chains))
	header, body, _ := strings.Cut(data, "\n")
	header += "\n"
	rows := strings.SplitAfter(strings.TrimSuffix(body, "\n"), "\n")
	// firstLen is the number of rows of chains[0].
	firstLen := len(chains[0].Events)
	big := strings.Repeat("x", trace.MaxLineBytes+10)
	openQuote := `"` + strings.Repeat("a,b\n", trace.MaxLineBytes/4+20_000)
	manyRows := strings.Repeat(rows[0], trace.MaxLineBytes/len(rows[0])+10)

	tests := []struct {
		name       string
		in         string
		wantCodes  int // chains read
		wantLine   int // of the LineTooLongError; 0: none
		wantRecord bool
		wantBad    string // a row error containing this; "" none
	}{
		{"header line", big, 0, 1, false, ""},
		{"no newline after a good chain", header + strings.Join(rows[:firstLen], "") + big, 0, firstLen + 2, false, ""},
		{"open quote", header + openQuote, 0, 0, true, ""},
		{"one chain on too many rows", header + manyRows + strings.Join(rows[firstLen:], ""), 1, 0, false, "add up to more than 8388608 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rows, final := decodeToEnd(trace.NewCSVDecoder(strings.NewReader(tt.in), demoOpts))
			codes := len(got)
			if codes != tt.wantCodes {
				t.Errorf("read %d chains, want %d", codes, tt.wantCodes)
			}
			var le *trace.LineTooLongError
			switch {
			case tt.wantLine == 0 && !tt.wantRecord:
				if final != nil {
					t.Errorf("final error %v, want none", final)
				}
			case !errors.As(final, &le) || le.Limit != trace.MaxLineBytes || le.Record != tt.wantRecord:
				t.Errorf("final error %v, want a LineTooLongError (record %v)", final, tt.wantRecord)
			case tt.wantLine != 0 && le.Line != tt.wantLine:
				t.Errorf("error on line %d, want %d: %v", le.Line, tt.wantLine, final)
			}
			if tt.wantBad != "" && !slices.ContainsFunc(rows, func(r trace.RowError) bool { return strings.Contains(r.Reason, tt.wantBad) }) {
				t.Errorf("bad rows:\n%swant one saying %q", rowsText(rows), tt.wantBad)
			}
		})
	}
}

// TestCSVDecoderLineAndRepeats: Line names each chain's first row, and with
// SkipRepeatCheck a chain whose rows come back is returned again, for the
// caller to judge.
func TestCSVDecoderLineAndRepeats(t *testing.T) {
	want := trace.DemoChains(2)
	lines := strings.SplitAfter(string(writeCSV(t, want)), "\n")
	n0 := len(want[0].Events)
	// Chain 0's rows, chain 1's rows, chain 0's first row again.
	in := strings.Join(lines[:len(lines)-1], "") + lines[1]
	d := trace.NewCSVDecoder(strings.NewReader(in), demoOpts)
	d.SkipRepeatCheck()
	type got struct {
		code string
		line int
	}
	var gots []got
	for c, err := range d.All() {
		if err != nil {
			t.Fatalf("row error %v: with SkipRepeatCheck the repeat is the caller's to find", err)
		}
		gots = append(gots, got{c.TraceCode, d.Line()})
	}
	wantGots := []got{{want[0].TraceCode, 2}, {want[1].TraceCode, 2 + n0}, {want[0].TraceCode, len(lines)}}
	if !slices.Equal(gots, wantGots) {
		t.Errorf("chains and lines %v, want %v", gots, wantGots)
	}
}
