package trace_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tracecall/trace"
)

// fuzzKinds are the kinds FuzzParse picks from; index 0 is inference.
var fuzzKinds = []trace.Kind{"", trace.KindRetail, trace.KindBatch, trace.KindOperator, trace.KindNode,
	trace.KindEarTag, trace.KindGTIN, trace.KindGS1, trace.KindCertificate, trace.KindRegion}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"31011500124031500429", "3101 1500 1240 3150 0429#", "３１０１１５００１２４０３１５００４２９",
		"3706025690000058", "2201220010000", "220122001", "137060200012345", "6901234567892",
		"SG20240312-0088", "370783", "(01)09521234543213(10)ABC123(17)261231",
		"]C101095212345432131726123110ABC123\x1d21XYZ", "\x1d01095212345432133103001250",
		"https://id.gs1.org/01/09521234543213/10/ABC123?17=261231", "http://x/01/6901234567892/21/%41",
		"(00)106141411234567897", "(01)09521234543213(10)A(B", "", "#", "12#4", "\xff\xfe",
	} {
		for k := range fuzzKinds {
			f.Add(s, uint8(k), s == "31011500124031500429")
		}
	}
	f.Fuzz(func(t *testing.T, raw string, kind uint8, checkDigit bool) {
		want := fuzzKinds[int(kind)%len(fuzzKinds)]
		o := trace.Options{CheckDigit: checkDigit, Now: fixedNow}
		c, err := trace.Parse(raw, want, o)
		if err != nil {
			var ce *trace.CodeError
			if !errors.As(err, &ce) || ce.Reason == "" || err.Error() == "" {
				t.Fatalf("Parse(%q, %q) error %#v is not a complete *CodeError", raw, want, err)
			}
			return
		}
		if c.Value == "" || c.Raw != raw || (want != "" && c.Kind != want) {
			t.Fatalf("Parse(%q, %q) = %+v", raw, want, c)
		}
		// The normal form is a fixed point (a bracketed GS1 string cannot carry a lot
		// or serial that itself looks like "(21)…").
		if !strings.ContainsRune(c.Lot+c.Serial, '(') {
			again, err := trace.Parse(c.Value, c.Kind, o)
			if err != nil || again.Value != c.Value {
				t.Fatalf("Parse(%q, %q) = %q, but reparsing gives %q, %v", raw, want, c.Value, again.Value, err)
			}
		}
		if cands := trace.Candidates(c); !slices.Contains(cands, c.Value) {
			t.Fatalf("Candidates(%+v) = %q", c, cands)
		}
		if _, err := trace.ParseTraceCode(raw, o); err != nil && err.Error() == "" {
			t.Fatal("ParseTraceCode error without text")
		}
	})
}

// readSeed reads a committed file for a fuzz seed.
func readSeed(f *testing.F, name string) []byte {
	f.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzReadJSONL(f *testing.F) {
	f.Add(readSeed(f, "demo_chains.golden.jsonl"))
	f.Add([]byte(`{"traceCode":"11010600524031500425","events":[]}` + "\n{\n\n[]\n"))
	f.Add([]byte(`{"traceCode":"x","events":[{"at":"2024-03-15T09:12:00+08:00","weightKg":1e999}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		chains, rows, err := trace.ReadJSONL(bytes.NewReader(data), demoOpts)
		if err != nil {
			t.Fatalf("ReadJSONL from memory: %v", err)
		}
		checkRows(t, rows)
		checkRoundTrip(t, chains, trace.FormatJSONL)
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add(readSeed(f, "import_bad_row.csv"))
	f.Add([]byte("trace_code,event_id,type,at,node_code,node_name,node_type\n" +
		"11010600524031500425,e1,retailSale,2024-03-15T09:12:00+08:00,110106005,市场,3\n"))
	f.Add([]byte("\uFEFFtrace_code,cert_number,cert_kind,cert_result\n1,a|b,,pass\n\"x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		chains, rows, err := trace.ReadCSV(bytes.NewReader(data), demoOpts)
		if err != nil {
			t.Fatalf("ReadCSV from memory: %v", err)
		}
		checkRows(t, rows)
		checkRoundTrip(t, chains, trace.FormatCSV)
		// The streaming decoder accepts a subset of what ReadCSV accepts.
		d := trace.NewCSVDecoder(bytes.NewReader(data), demoOpts)
		for c, err := range d.All() {
			var re *trace.RowError
			if err != nil && !errors.As(err, &re) {
				t.Fatalf("CSVDecoder: %v", err)
			}
			if err == nil {
				if verr := c.Validate(demoOpts); verr != nil {
					t.Fatalf("CSVDecoder returned an invalid chain: %v", verr)
				}
			}
		}
	})
}

func checkRows(t *testing.T, rows []trace.RowError) {
	t.Helper()
	for i, r := range rows {
		if r.Line < 1 || r.Reason == "" || i > 0 && r.Line < rows[i-1].Line {
			t.Fatalf("bad row report %d: %+v", i, r)
		}
	}
}

// checkRoundTrip checks that the chains are valid and that writing them and
// reading them back in format f gives the same chains.
func checkRoundTrip(t *testing.T, chains []trace.Chain, f trace.Format) {
	t.Helper()
	for _, c := range chains {
		if err := c.Validate(demoOpts); err != nil {
			t.Fatalf("returned an invalid chain: %v", err)
		}
	}
	var buf bytes.Buffer
	if err := trace.WriteAll(&buf, f, slices.Values(chains)); err != nil {
		t.Fatalf("writing valid chains: %v", err)
	}
	again, rows, err := trace.ReadAll(&buf, f, demoOpts)
	if err != nil || len(rows) != 0 {
		t.Fatalf("reading back: %v, %v", err, rows)
	}
	if len(again) != len(chains) {
		t.Fatalf("%d chains written, %d read back", len(chains), len(again))
	}
	for i := range chains {
		if a, b := jsonOf(t, chains[i]), jsonOf(t, again[i]); a != b {
			t.Fatalf("round trip changed a chain:\n%s\n%s", a, strings.TrimSpace(b))
		}
	}
}
