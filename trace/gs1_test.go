package trace_test

import (
	"errors"
	"testing"
	"time"

	"tracecall/trace"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseGS1(t *testing.T) {
	o := trace.Options{Now: fixedNow} // 2025-06-01
	tests := []struct {
		name   string
		raw    string
		want   trace.Code // Kind, Raw and the zero fields are filled in below
		reason trace.Reason
	}{
		{name: "bracketed §5", raw: "(01)09521234543213(10)ABC123(17)261231",
			want: trace.Code{Value: "(01)09521234543213(17)261231(10)ABC123", GTIN: "09521234543213", Lot: "ABC123", Expiry: date(2026, 12, 31)}},
		{name: "bracketed with spaces", raw: "(01) 09521234543213 (10) ABC123",
			want: trace.Code{Value: "(01)09521234543213(10)ABC123", GTIN: "09521234543213", Lot: "ABC123"}},
		{name: "all AIs", raw: "(00)106141411234567897(01)09521234543213(11)240301(13)240302(15)240400(17)280229(3102)012345(10)L-1(21)S/2",
			want: trace.Code{Value: "(00)106141411234567897(01)09521234543213(11)240301(13)240302(15)240400(17)280229(3102)012345(10)L-1(21)S/2",
				SSCC: "106141411234567897", GTIN: "09521234543213", Lot: "L-1", Serial: "S/2",
				Production: date(2024, 3, 1), Packaged: date(2024, 3, 2), BestBefore: date(2024, 4, 30),
				Expiry: date(2028, 2, 29), NetKg: 123.45}},
		{name: "no 29 February 2025", raw: "(01)09521234543213(17)250229", reason: trace.ReasonBadDate},
		{name: "net weight", raw: "(01)09521234543213(3103)001250",
			want: trace.Code{Value: "(01)09521234543213(3103)001250", GTIN: "09521234543213", NetKg: 1.25}},
		{name: "day 00 is month end", raw: "(01)09521234543213(17)240200",
			want: trace.Code{Value: "(01)09521234543213(17)240200", GTIN: "09521234543213", Expiry: date(2024, 2, 29)}},
		{name: "century +50", raw: "(01)09521234543213(17)751231",
			want: trace.Code{Value: "(01)09521234543213(17)751231", GTIN: "09521234543213", Expiry: date(2075, 12, 31)}},
		{name: "century -49", raw: "(01)09521234543213(17)761231",
			want: trace.Code{Value: "(01)09521234543213(17)761231", GTIN: "09521234543213", Expiry: date(1976, 12, 31)}},
		{name: "sscc only", raw: "(00)106141411234567897",
			want: trace.Code{Value: "(00)106141411234567897", SSCC: "106141411234567897"}},
		{name: "raw ]C1", raw: "]C10109521234543213172612311" + "0ABC123\x1d21XYZ",
			want: trace.Code{Value: "(01)09521234543213(17)261231(10)ABC123(21)XYZ", GTIN: "09521234543213", Lot: "ABC123", Serial: "XYZ", Expiry: date(2026, 12, 31)}},
		{name: "raw ]d2 lot last", raw: "]d2010952123454321310ABC123",
			want: trace.Code{Value: "(01)09521234543213(10)ABC123", GTIN: "09521234543213", Lot: "ABC123"}},
		{name: "raw leading GS", raw: "\x1d01095212345432133103001250\x1d10L1",
			want: trace.Code{Value: "(01)09521234543213(3103)001250(10)L1", GTIN: "09521234543213", Lot: "L1", NetKg: 1.25}},
		{name: "raw no prefix", raw: "0109521234543213",
			want: trace.Code{Value: "(01)09521234543213", GTIN: "09521234543213"}},

		{name: "gtin check digit", raw: "(01)09521234543214", reason: trace.ReasonBadCheckDigit},
		{name: "sscc check digit", raw: "(00)106141411234567890", reason: trace.ReasonBadCheckDigit},
		{name: "gtin short in element string", raw: "(01)6901234567892", reason: trace.ReasonBadFormat},
		{name: "unknown AI", raw: "(01)09521234543213(99)X", reason: trace.ReasonUnknownAI},
		{name: "unknown raw AI", raw: "]C10109521234543213991234", reason: trace.ReasonUnknownAI},
		{name: "duplicate AI", raw: "(01)09521234543213(10)A(10)B", reason: trace.ReasonBadFormat},
		{name: "lot too long", raw: "(01)09521234543213(10)ABCDEFGHIJKLMNOPQRSTU", reason: trace.ReasonTooLong},
		{name: "lot bad char", raw: "(01)09521234543213(10)AB#1", reason: trace.ReasonBadChar},
		{name: "lot empty", raw: "(01)09521234543213(10)", reason: trace.ReasonBadFormat},
		{name: "month 13", raw: "(01)09521234543213(17)261301", reason: trace.ReasonBadDate},
		{name: "day 00 in (11)", raw: "(01)09521234543213(11)260100", reason: trace.ReasonBadDate},
		{name: "day 31 in April", raw: "(01)09521234543213(15)260431", reason: trace.ReasonBadDate},
		{name: "date not digits", raw: "(01)09521234543213(17)26A231", reason: trace.ReasonBadFormat},
		{name: "net weight decimals 6", raw: "(01)09521234543213(3106)001250", reason: trace.ReasonUnknownAI},
		{name: "no key", raw: "(10)ABC123", reason: trace.ReasonBadFormat},
		{name: "unclosed", raw: "(01", reason: trace.ReasonBadFormat},
		{name: "not an AI", raw: "(A1)123", reason: trace.ReasonBadFormat},
		{name: "bad symbology", raw: "]X1010952123454321", reason: trace.ReasonBadFormat},
		{name: "raw cut short", raw: "]C1010952123454321", reason: trace.ReasonBadFormat},
		{name: "raw AI cut short", raw: "]C101095212345432133", reason: trace.ReasonBadFormat},
		{name: "only symbology", raw: "]C1", reason: trace.ReasonBadFormat},
		{name: "empty", raw: "", reason: trace.ReasonEmpty},

		// Digital Link URIs.
		{name: "digital link §5", raw: "https://id.gs1.org/01/09521234543213/10/ABC123?17=261231",
			want: trace.Code{Value: "(01)09521234543213(17)261231(10)ABC123", GTIN: "09521234543213", Lot: "ABC123", Expiry: date(2026, 12, 31)}},
		{name: "digital link prefix and serial", raw: "https://example.com/shop/01/09521234543213/21/12345",
			want: trace.Code{Value: "(01)09521234543213(21)12345", GTIN: "09521234543213", Serial: "12345"}},
		{name: "digital link prefix containing 01", raw: "https://example.com/01/shop/01/09521234543213",
			want: trace.Code{Value: "(01)09521234543213", GTIN: "09521234543213"}},
		{name: "digital link GTIN-13", raw: "http://example.com/01/6901234567892",
			want: trace.Code{Value: "(01)06901234567892", GTIN: "06901234567892"}},
		{name: "digital link percent-encoded lot", raw: "https://id.gs1.org/01/09521234543213/10/AB%2F12",
			want: trace.Code{Value: "(01)09521234543213(10)AB/12", GTIN: "09521234543213", Lot: "AB/12"}},
		{name: "digital link other query keys", raw: "https://id.gs1.org/01/09521234543213?linkType=gs1:pip&3103=000500&7003=2501010000",
			want: trace.Code{Value: "(01)09521234543213(3103)000500", GTIN: "09521234543213", NetKg: 0.5}},
		{name: "digital link sscc", raw: "https://id.gs1.org/00/106141411234567897",
			want: trace.Code{Value: "(00)106141411234567897", SSCC: "106141411234567897"}},
		{name: "digital link no key", raw: "https://id.gs1.org/10/ABC123", reason: trace.ReasonBadFormat},
		{name: "digital link bad check", raw: "https://id.gs1.org/01/09521234543214", reason: trace.ReasonBadCheckDigit},
		{name: "digital link unsupported qualifier", raw: "https://id.gs1.org/01/09521234543213/22/ABC", reason: trace.ReasonUnknownAI},
		{name: "digital link qualifier after sscc", raw: "https://id.gs1.org/00/106141411234567897/10/A", reason: trace.ReasonBadFormat},
		{name: "digital link no host", raw: "https:///01/09521234543213", reason: trace.ReasonBadFormat},
		{name: "digital link key in query", raw: "https://id.gs1.org/01/09521234543213?01=09521234543213", reason: trace.ReasonBadFormat},
		{name: "digital link bad date", raw: "https://id.gs1.org/01/09521234543213?17=261301", reason: trace.ReasonBadDate},
		{name: "digital link bad escape", raw: "https://id.gs1.org/01/09521234543213/10/%zz", reason: trace.ReasonBadFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := trace.Parse(tt.raw, trace.KindGS1, o)
			if tt.reason != "" {
				var ce *trace.CodeError
				if !errors.As(err, &ce) || ce.Reason != tt.reason || ce.Kind != trace.KindGS1 {
					t.Fatalf("Parse(%q) = %+v, %v; want reason %s", tt.raw, c, err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.raw, err)
			}
			want := tt.want
			want.Kind, want.Raw = trace.KindGS1, tt.raw
			if c != want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.raw, c, want)
			}
		})
	}
}

func TestGS1FormsAgree(t *testing.T) {
	o := trace.Options{Now: fixedNow}
	forms := []string{
		"(01)09521234543213(10)ABC123(17)261231",
		"]C101095212345432131726123110ABC123",
		"]d2010952123454321310ABC123\x1d17261231",
		"https://id.gs1.org/01/09521234543213/10/ABC123?17=261231",
	}
	var first trace.Code
	for i, f := range forms {
		c, err := trace.Parse(f, "", o)
		if err != nil {
			t.Fatalf("Parse(%q): %v", f, err)
		}
		c.Raw = ""
		if i == 0 {
			first = c
		} else if c != first {
			t.Errorf("Parse(%q) = %+v, want %+v", f, c, first)
		}
	}
}
