package trace_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"tracecall/trace"
)

// fixedNow makes the GS1 century rule reproducible.
func fixedNow() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

func TestParse(t *testing.T) {
	check := trace.Options{CheckDigit: true}
	exact20 := trace.Options{RetailMin: 20, RetailMax: 20}
	knownNodes := trace.Options{KnownNode: func(n string) bool { return n == "220122001" }}
	tests := []struct {
		name       string
		raw        string
		want       trace.Kind
		o          trace.Options
		wantKind   trace.Kind
		wantValue  string
		wantReason trace.Reason
	}{
		// Retail trace codes.
		{"retail", "31011500124031500429", trace.KindRetail, trace.Options{}, trace.KindRetail, "31011500124031500429", ""},
		{"retail spaces", " 3101 1500 1240 3150 0429 ", trace.KindRetail, trace.Options{}, trace.KindRetail, "31011500124031500429", ""},
		{"retail dashes", "3101-1500-1240-3150-0429", trace.KindRetail, trace.Options{}, trace.KindRetail, "31011500124031500429", ""},
		{"retail full-width", "３１０１１５００１２４０３１５００４２９", trace.KindRetail, trace.Options{}, trace.KindRetail, "31011500124031500429", ""},
		{"retail ideographic space", "3101\u30001500124031500429", trace.KindRetail, trace.Options{}, trace.KindRetail, "31011500124031500429", ""},
		{"retail check digit ok", "31011500124031500429", trace.KindRetail, check, trace.KindRetail, "31011500124031500429", ""},
		{"retail check digit bad", "31011500124031500428", trace.KindRetail, check, "", "", trace.ReasonBadCheckDigit},
		{"retail check digit off", "31011500124031500428", trace.KindRetail, trace.Options{}, trace.KindRetail, "31011500124031500428", ""},
		{"retail 16 digits accepted", "3706025690000058", trace.KindRetail, check, trace.KindRetail, "3706025690000058", ""},
		{"retail 24 digits accepted", "370602569000005812345678", trace.KindRetail, trace.Options{}, trace.KindRetail, "370602569000005812345678", ""},
		{"retail 16 digits with exact 20", "3706025690000058", trace.KindRetail, exact20, "", "", trace.ReasonTooShort},
		{"retail too short", "1234", trace.KindRetail, trace.Options{}, "", "", trace.ReasonTooShort},
		{"retail too long", "3101150012403150042912345", trace.KindRetail, trace.Options{}, "", "", trace.ReasonTooLong},
		{"retail letter", "3101150012403150042O", trace.KindRetail, trace.Options{}, "", "", trace.ReasonBadChar},
		{"retail star", "3101150012*03150042", trace.KindRetail, trace.Options{}, "", "", trace.ReasonBadChar},
		{"retail empty", "", trace.KindRetail, trace.Options{}, "", "", trace.ReasonEmpty},
		{"retail only separators", " - - ", trace.KindRetail, trace.Options{}, "", "", trace.ReasonEmpty},
		{"retail unknown region only warns", "99999900124031500429", trace.KindRetail, trace.Options{}, trace.KindRetail, "99999900124031500429", ""},

		// Batch codes.
		{"batch", "3706025690000058", trace.KindBatch, trace.Options{}, trace.KindBatch, "3706025690000058", ""},
		{"batch short", "370602569000005", trace.KindBatch, trace.Options{}, "", "", trace.ReasonTooShort},
		{"batch long", "37060256900000581", trace.KindBatch, trace.Options{}, "", "", trace.ReasonTooLong},

		// Operator and node codes.
		{"operator", "2201220010000", trace.KindOperator, trace.Options{}, trace.KindOperator, "2201220010000", ""},
		{"operator bad province", "9901220010000", trace.KindOperator, trace.Options{}, "", "", trace.ReasonBadRegion},
		{"operator known node", "2201220010000", trace.KindOperator, knownNodes, trace.KindOperator, "2201220010000", ""},
		{"operator unknown node", "2201220020000", trace.KindOperator, knownNodes, "", "", trace.ReasonUnknownNode},
		{"node", "220122001", trace.KindNode, trace.Options{}, trace.KindNode, "220122001", ""},
		{"node bad province", "990122001", trace.KindNode, trace.Options{}, "", "", trace.ReasonBadRegion},
		{"node short", "22012200", trace.KindNode, trace.Options{}, "", "", trace.ReasonTooShort},

		// Ear tags.
		{"ear tag pig", "137060200012345", trace.KindEarTag, trace.Options{}, trace.KindEarTag, "137060200012345", ""},
		{"ear tag sheep", "322012200000001", trace.KindEarTag, trace.Options{}, trace.KindEarTag, "322012200000001", ""},
		{"ear tag species", "437060200012345", trace.KindEarTag, trace.Options{}, "", "", trace.ReasonBadFormat},
		{"ear tag province", "199060200012345", trace.KindEarTag, trace.Options{}, "", "", trace.ReasonBadRegion},
		{"ear tag long", "1370602000123456", trace.KindEarTag, trace.Options{}, "", "", trace.ReasonTooLong},

		// GTINs.
		{"gtin-13", "6901234567892", trace.KindGTIN, trace.Options{}, trace.KindGTIN, "06901234567892", ""},
		{"gtin-14", "09521234543213", trace.KindGTIN, trace.Options{}, trace.KindGTIN, "09521234543213", ""},
		{"gtin-12", "036000291452", trace.KindGTIN, trace.Options{}, trace.KindGTIN, "00036000291452", ""},
		{"gtin-8", "96385074", trace.KindGTIN, trace.Options{}, trace.KindGTIN, "00000096385074", ""},
		{"gtin bad check", "6901234567891", trace.KindGTIN, trace.Options{}, "", "", trace.ReasonBadCheckDigit},
		{"gtin 9 digits", "123456789", trace.KindGTIN, trace.Options{}, "", "", trace.ReasonBadLength},
		{"gtin 7 digits", "1234567", trace.KindGTIN, trace.Options{}, "", "", trace.ReasonTooShort},
		{"gtin 15 digits", "123456789012345", trace.KindGTIN, trace.Options{}, "", "", trace.ReasonTooLong},

		// Certificates.
		{"certificate origin proof", "SG20240312-0088", trace.KindCertificate, trace.Options{}, trace.KindCertificate, "SG20240312-0088", ""},
		{"certificate full-width", "ＲＺ２０２４０３１３００１５", trace.KindCertificate, trace.Options{}, trace.KindCertificate, "RZ202403130015", ""},
		{"certificate 10 digits", "3706001234", trace.KindCertificate, trace.Options{}, trace.KindCertificate, "3706001234", ""},
		{"certificate short", "AB12", trace.KindCertificate, trace.Options{}, "", "", trace.ReasonTooShort},
		{"certificate long", strings.Repeat("A", 33), trace.KindCertificate, trace.Options{}, "", "", trace.ReasonTooLong},
		{"certificate slash", "SG2024/0312", trace.KindCertificate, trace.Options{}, "", "", trace.ReasonBadChar},
		{"certificate chinese", "证20240312", trace.KindCertificate, trace.Options{}, "", "", trace.ReasonBadChar},

		// Regions.
		{"region", "370783", trace.KindRegion, trace.Options{}, trace.KindRegion, "370783", ""},
		{"region no province", "990000", trace.KindRegion, trace.Options{}, "", "", trace.ReasonBadRegion},

		// Unknown kind and oversize input.
		{"unknown kind", "123", trace.Kind("vin"), trace.Options{}, "", "", trace.ReasonBadFormat},
		{"oversize", strings.Repeat("1", 5000), "", trace.Options{}, "", "", trace.ReasonTooLong},

		// Inference (want == "").
		{"infer retail", "31011500124031500429", "", trace.Options{}, trace.KindRetail, "31011500124031500429", ""},
		{"infer retail 18", "310115001240315004", "", trace.Options{}, trace.KindRetail, "310115001240315004", ""},
		{"infer batch", "3706025690000058", "", trace.Options{}, trace.KindBatch, "3706025690000058", ""},
		{"infer operator", "2201220010000", "", trace.Options{}, trace.KindOperator, "2201220010000", ""},
		{"infer operator unknown node", "2201220020000", "", knownNodes, "", "", trace.ReasonUnknownNode},
		{"infer gtin-13 (69 is no province)", "6901234567892", "", trace.Options{}, trace.KindGTIN, "06901234567892", ""},
		{"infer gtin-14", "09521234543213", "", trace.Options{}, trace.KindGTIN, "09521234543213", ""},
		{"infer gtin-8", "96385074", "", trace.Options{}, trace.KindGTIN, "00000096385074", ""},
		{"infer node", "220122001", "", trace.Options{}, trace.KindNode, "220122001", ""},
		{"infer ear tag", "137060200012345", "", trace.Options{}, trace.KindEarTag, "137060200012345", ""},
		{"infer 15-digit certificate", "370602240313001", "", trace.Options{}, trace.KindCertificate, "370602240313001", ""},
		{"infer 10-digit certificate", "3706001234", "", trace.Options{}, trace.KindCertificate, "3706001234", ""},
		{"infer 8 digits without check", "12345678", "", trace.Options{}, trace.KindCertificate, "12345678", ""},
		{"infer certificate", "SG20240312-0088", "", trace.Options{}, trace.KindCertificate, "SG20240312-0088", ""},
		{"infer region is a certificate", "370783", "", trace.Options{}, trace.KindCertificate, "370783", ""},
		{"infer gs1 bracketed", "(01)09521234543213(10)ABC123", "", trace.Options{}, trace.KindGS1, "(01)09521234543213(10)ABC123", ""},
		{"infer gs1 raw", "]C10109521234543213", "", trace.Options{}, trace.KindGS1, "(01)09521234543213", ""},
		{"infer gs1 GS", "\x1d0109521234543213", "", trace.Options{}, trace.KindGS1, "(01)09521234543213", ""},
		{"infer digital link", "HTTPS://id.gs1.org/01/09521234543213", "", trace.Options{}, trace.KindGS1, "(01)09521234543213", ""},
		{"infer too short", "1234", "", trace.Options{}, "", "", trace.ReasonTooShort},
		{"infer too long", strings.Repeat("1", 33), "", trace.Options{}, "", "", trace.ReasonTooLong},
		{"infer bad char", "12#4", "", trace.Options{}, "", "", trace.ReasonBadChar},
		{"infer empty", "  ", "", trace.Options{}, "", "", trace.ReasonEmpty},
		{"infer check digit", "31011500124031500428", "", check, "", "", trace.ReasonBadCheckDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := trace.Parse(tt.raw, tt.want, tt.o)
			if tt.wantReason != "" {
				var ce *trace.CodeError
				if !errors.As(err, &ce) {
					t.Fatalf("Parse(%q) = %+v, %v; want *CodeError %s", tt.raw, c, err, tt.wantReason)
				}
				if ce.Reason != tt.wantReason {
					t.Errorf("Parse(%q) reason = %s (%v), want %s", tt.raw, ce.Reason, err, tt.wantReason)
				}
				if ce.Raw != tt.raw {
					t.Errorf("CodeError.Raw = %q, want %q", ce.Raw, tt.raw)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.raw, err)
			}
			if c.Kind != tt.wantKind || c.Value != tt.wantValue || c.Raw != tt.raw {
				t.Errorf("Parse(%q) = {Kind %s Value %q Raw %q}, want {%s %q %q}", tt.raw, c.Kind, c.Value, c.Raw, tt.wantKind, tt.wantValue, tt.raw)
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	c, err := trace.Parse("137060200012345", trace.KindEarTag, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Species != trace.SpeciesPig || c.Species.String() != "pig" || c.RegionCode != "370602" || !c.RegionKnown {
		t.Errorf("ear tag = %+v", c)
	}
	c, err = trace.Parse("99999900124031500429", trace.KindRetail, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.RegionCode != "999999" || c.RegionKnown {
		t.Errorf("unknown region: RegionCode %q RegionKnown %v", c.RegionCode, c.RegionKnown)
	}
	c, err = trace.Parse("6901234567892", trace.KindGTIN, trace.Options{})
	if err != nil || c.GTIN != "06901234567892" {
		t.Errorf("GTIN = %q, %v", c.GTIN, err)
	}
}

func TestParseTraceCode(t *testing.T) {
	tests := []struct {
		name, raw, want string
		wantReason      trace.Reason
	}{
		{"keyed with terminator", "31011500124031500429#", "31011500124031500429", ""},
		{"keyed without terminator", "31011500124031500429", "31011500124031500429", ""},
		{"only terminator", "#", "", trace.ReasonEmpty},
		{"short", "1234#", "", trace.ReasonTooShort},
		{"star", "3101*#", "", trace.ReasonBadChar},
		{"bad check digit", "31011500124031500420#", "", trace.ReasonBadCheckDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := trace.ParseTraceCode(tt.raw, trace.Options{CheckDigit: true})
			var ce *trace.CodeError
			switch {
			case tt.wantReason != "" && (!errors.As(err, &ce) || ce.Reason != tt.wantReason):
				t.Errorf("ParseTraceCode(%q) error = %v, want reason %s", tt.raw, err, tt.wantReason)
			case tt.wantReason == "" && (err != nil || c.Value != tt.want || c.Kind != trace.KindRetail):
				t.Errorf("ParseTraceCode(%q) = %q, %v; want %q", tt.raw, c.Value, err, tt.want)
			}
		})
	}
}

func TestCodeErrorMessages(t *testing.T) {
	tests := []struct {
		raw  string
		want trace.Kind
		o    trace.Options
		msg  string
	}{
		{"1234", trace.KindRetail, trace.Options{RetailMin: 20, RetailMax: 20}, "trace code 1234: too short: 4 digits, want 20"},
		{"1234", trace.KindRetail, trace.Options{}, "trace code 1234: too short: 4 digits, want 20 (16 to 24 accepted)"},
		{"1234", "", trace.Options{}, "trace code 1234: too short: 4 digits, want 20 (16 to 24 accepted)"},
		{"31011500124031500428", trace.KindRetail, trace.Options{CheckDigit: true}, "trace code 31011500124031500428: bad check digit: last digit 8, want 9"},
		{"3101150012A031500429", trace.KindRetail, trace.Options{}, "trace code 3101150012A031500429: bad char: 'A' at position 11, want digits only"},
		{"", trace.KindRetail, trace.Options{}, "trace code: empty"},
		{"437060200012345", trace.KindEarTag, trace.Options{}, "ear tag 437060200012345: bad format: species digit 4, want 1 (pig), 2 (cattle) or 3 (sheep/goat)"},
		{"990122001", trace.KindNode, trace.Options{}, "node code 990122001: bad region: region 990122 names no province"},
		{"6901234567891", trace.KindGTIN, trace.Options{}, "GTIN 6901234567891: bad check digit: last digit 1, want 2"},
		{"AB 12", trace.KindCertificate, trace.Options{}, `certificate number "AB 12": too short: 4 characters, want 6 to 32`},
		{"12#4", "", trace.Options{}, "code 12#4: bad char: '#' at position 3"},
	}
	for _, tt := range tests {
		_, err := trace.Parse(tt.raw, tt.want, tt.o)
		if err == nil || err.Error() != tt.msg {
			t.Errorf("Parse(%q, %q) error = %v\n want %s", tt.raw, tt.want, err, tt.msg)
		}
	}
}

func TestGS1CheckDigit(t *testing.T) {
	// The worked examples of trace-data.md §5.
	tests := []struct {
		body string
		want byte
	}{
		{"690123456789", '2'},        // GTIN-13 6901234567892
		{"0952123454321", '3'},       // GTIN-14 09521234543213
		{"10614141123456789", '7'},   // SSCC 106141411234567897
		{"3101150012403150042", '9'}, // demo trace code 31011500124031500429
		{"9638507", '4'},             // GTIN-8
		{"0", '0'},
	}
	for _, tt := range tests {
		got, err := trace.GS1CheckDigit(tt.body)
		if err != nil || got != tt.want {
			t.Errorf("GS1CheckDigit(%q) = %q, %v; want %q", tt.body, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "12a4", "１２"} {
		if _, err := trace.GS1CheckDigit(bad); err == nil {
			t.Errorf("GS1CheckDigit(%q) succeeded, want error", bad)
		}
	}
}

func TestDemoCode(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		node   string
		date   time.Time
		serial int
		want   string
	}{
		{"310115001", time.Date(2024, 3, 15, 0, 0, 0, 0, cst), 42, "31011500124031500429"}, // §5 example
		{"110106005", time.Date(2024, 3, 15, 9, 12, 0, 0, cst), 42, trace.DemoPorkCode},
		{"110106012", time.Date(2024, 3, 15, 0, 0, 0, 0, cst), 88, trace.DemoVegCode},
		{"310115023", time.Date(2024, 5, 20, 0, 0, 0, 0, cst), 7, trace.DemoFailedCode},
	}
	for _, tt := range tests {
		got := trace.DemoCode(tt.node, tt.date, tt.serial)
		if got != tt.want {
			t.Errorf("DemoCode(%s, %s, %d) = %s, want %s", tt.node, tt.date.Format("2006-01-02"), tt.serial, got, tt.want)
		}
		if _, err := trace.ParseTraceCode(got, trace.Options{CheckDigit: true}); err != nil {
			t.Errorf("demo code %s does not parse with CheckDigit: %v", got, err)
		}
	}
	for _, bad := range []struct {
		node   string
		serial int
	}{{"12345678", 1}, {"31011500A", 1}, {"310115001", -1}, {"310115001", 10000}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DemoCode(%q, %d) did not panic", bad.node, bad.serial)
				}
			}()
			trace.DemoCode(bad.node, time.Now(), bad.serial)
		}()
	}
}

func TestValidResidentID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"11010519491231002X", true}, // trace-data.md §5: sum 167, 167 mod 11 = 2 → X
		{"11010519491231002x", true},
		{"110105194912310021", false}, // wrong check character
		{"11010519490230002" + "0", false},
		{"99010519491231002X", false}, // no such province (check digit aside)
		{"1101051949123100", false},
		{"", false},
		{"1101051949123100AX", false},
	}
	for _, tt := range tests {
		if got := trace.ValidResidentID(tt.id); got != tt.want {
			t.Errorf("ValidResidentID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestCandidates(t *testing.T) {
	parse := func(raw string, k trace.Kind) trace.Code {
		t.Helper()
		c, err := trace.Parse(raw, k, trace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name string
		c    trace.Code
		want []string
	}{
		{"retail 20", parse("31011500124031500429", trace.KindRetail), []string{"31011500124031500429"}},
		{"retail 16 padded", parse("3706025690000058", trace.KindRetail), []string{"3706025690000058", "00003706025690000058"}},
		{"retail padded stripped", parse("00003706025690000058", trace.KindRetail), []string{"00003706025690000058", "3706025690000058"}},
		{"retail 19 with zero", parse("0370602569000005812", trace.KindRetail), []string{"0370602569000005812", "00370602569000005812", "370602569000005812"}},
		{"batch", parse("3706025690000058", trace.KindBatch), []string{"3706025690000058", "00003706025690000058"}},
		{"node", parse("220122001", trace.KindNode), []string{"220122001"}},
		{"certificate", parse("SG20240312-0088", trace.KindCertificate), []string{"SG20240312-0088"}},
		{"gs1 numeric lot", parse("(01)09521234543213(10)3706025690000058", trace.KindGS1),
			[]string{"3706025690000058", "00003706025690000058", "(01)09521234543213(10)3706025690000058"}},
		{"gs1 lot and serial", parse("(01)09521234543213(10)ABC123(21)S1", trace.KindGS1),
			[]string{"ABC123", "S1", "(01)09521234543213(10)ABC123(21)S1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := trace.Candidates(tt.c); !slices.Equal(got, tt.want) {
				t.Errorf("Candidates = %q, want %q", got, tt.want)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name, raw string
		kind      trace.Kind
	}{
		{"retail", "31011500124031500429", trace.KindRetail},
		{"retail-spaced", "3101 1500 1240 3150 0429", trace.KindRetail},
		{"infer", "31011500124031500429", ""},
		{"gs1-element", "(01)09521234543213(10)ABC123(17)261231", trace.KindGS1},
		{"gs1-digital-link", "https://id.gs1.org/01/09521234543213/10/ABC123?17=261231", trace.KindGS1},
	}
	o := trace.Options{CheckDigit: true, Now: fixedNow}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := trace.Parse(c.raw, c.kind, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
