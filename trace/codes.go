package trace

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Kind is the kind of a code a caller keys or an agent enters or scans.
type Kind string

// Code kinds (trace-data.md §2 and §5).
const (
	// KindRetail is the retail trace code (追溯码/零售凭证号, sale_tran_id): digits,
	// 20 in the main case, Options.RetailMin to RetailMax (default 16 to 24) accepted.
	KindRetail Kind = "retail"
	// KindBatch is the 16-digit batch code (批次码): node(9) + serial(7).
	KindBatch Kind = "batch"
	// KindOperator is the 13-digit operator code (经营者编码): node(9) + serial(4).
	KindOperator Kind = "operator"
	// KindNode is the 9-digit node code (流通节点编码): county(6) + serial(3).
	KindNode Kind = "node"
	// KindEarTag is the 15-digit animal ear tag (畜禽标识): species(1) + county(6) + serial(8).
	KindEarTag Kind = "earTag"
	// KindGTIN is a GTIN-8, -12, -13 or -14 with its GS1 mod-10 check digit; Value
	// is left-padded to 14 digits.
	KindGTIN Kind = "gtin"
	// KindGS1 is a GS1 element string (bracketed, or raw after a ]C1, ]d2 or ]Q3
	// symbology identifier or a leading GS) or a GS1 Digital Link URI.
	KindGS1 Kind = "gs1"
	// KindCertificate is a certificate number (证号): 6 to 32 of [0-9A-Za-z-].
	KindCertificate Kind = "certificate"
	// KindRegion is a 6-digit GB/T 2260 region code (行政区划代码).
	KindRegion Kind = "region"
)

// label is how an error message names the kind.
func (k Kind) label() string {
	switch k {
	case KindRetail:
		return "trace code"
	case KindBatch:
		return "batch code"
	case KindOperator:
		return "operator code"
	case KindNode:
		return "node code"
	case KindEarTag:
		return "ear tag"
	case KindGTIN:
		return "GTIN"
	case KindGS1:
		return "GS1 code"
	case KindCertificate:
		return "certificate number"
	case KindRegion:
		return "region code"
	}
	return "code"
}

// known reports whether k is one of the Kind constants.
func (k Kind) known() bool {
	switch k {
	case KindRetail, KindBatch, KindOperator, KindNode, KindEarTag, KindGTIN, KindGS1,
		KindCertificate, KindRegion:
		return true
	}
	return false
}

// Species is the species digit of an ear tag.
type Species int

// Species of the ear tag's first digit.
const (
	SpeciesPig    Species = 1 // 猪
	SpeciesCattle Species = 2 // 牛
	SpeciesSheep  Species = 3 // 羊
)

// String returns "pig", "cattle", "sheep" or "".
func (s Species) String() string {
	switch s {
	case SpeciesPig:
		return "pig"
	case SpeciesCattle:
		return "cattle"
	case SpeciesSheep:
		return "sheep"
	}
	return ""
}

// Options tune parsing and validation. The zero value is the production default:
// no check digit on trace codes, 16 to 24 digits accepted as a retail code. The
// fields with toml tags are keys of the [trace] section (see Config).
type Options struct {
	// CheckDigit makes 20-digit retail codes carry a GS1 mod-10 check digit, as the
	// appliance's own demo codes do (DemoCode). Real platform codes have none
	// (trace-data.md §2.3), so leave it off for them.
	CheckDigit bool `toml:"check_digit"`
	// RetailMin and RetailMax bound the length of a retail trace code. Zero means
	// 16 and 24. A RetailMax below RetailMin is raised to RetailMin.
	RetailMin int `toml:"retail_min_digits"`
	RetailMax int `toml:"retail_max_digits"`
	// KnownNode, when set, reports whether a node code is in the loaded node table;
	// an operator code whose node is unknown is then rejected (ReasonUnknownNode).
	KnownNode func(nodeCode string) bool `toml:"-"`
	// Now gives today's date for the GS1 century rule. Nil means time.Now.
	Now func() time.Time `toml:"-"`
}

func (o Options) retailRange() (lo, hi int) {
	lo, hi = o.RetailMin, o.RetailMax
	if lo <= 0 {
		lo = 16
	}
	if hi <= 0 {
		hi = 24
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Code is a parsed, normalised code. Only the fields that apply to Kind are set.
type Code struct {
	Kind  Kind
	Value string // normalised; the lookup key (see Candidates)
	Raw   string // as entered, for logs

	// RegionCode is the GB/T 2260 part of a retail, batch, operator, node or region
	// code or ear tag. RegionKnown reports whether it is in this package's table;
	// an unknown region is only a warning (the table is partial).
	RegionCode  string
	RegionKnown bool
	Species     Species // ear tags

	// GS1 data (KindGTIN sets GTIN only).
	GTIN       string    // 14 digits
	SSCC       string    // (00), 18 digits
	Lot        string    // (10)
	Serial     string    // (21)
	Production time.Time // (11), date at 00:00 UTC
	Packaged   time.Time // (13)
	BestBefore time.Time // (15); day 00 means the month's last day
	Expiry     time.Time // (17); day 00 means the month's last day
	NetKg      float64   // (310n)
}

// maxInput bounds what Parse looks at; longer input is rejected unread.
const maxInput = 4096

// Parse normalises and validates raw as a code of kind want. With want == "" the
// kind is inferred as the Guangzhou platform does, by shape and length:
//
//  1. http:// or https:// → KindGS1 (Digital Link); a leading '(' or ']', or a
//     GS (0x1D) anywhere → KindGS1 (element string).
//  2. Digits only, once spaces and '-' are removed:
//     9 → KindNode; 13 → KindOperator, or KindGTIN when the first two digits are
//     no province and the check digit fits; 15 → KindEarTag; 16 → KindBatch;
//     20 → KindRetail; 8, 12, 14 → KindGTIN when the check digit fits; any other
//     length in the retail range → KindRetail. A node, operator or ear-tag length
//     whose province (or species) digits are wrong falls through to the next rule.
//  3. 6 to 32 of [0-9A-Za-z-] → KindCertificate (so an all-digit 10-digit
//     动物检疫合格证明 number is a certificate).
//  4. Otherwise the error is reported against a retail trace code when the input
//     is digits only (too short, too long), or as a bad character.
//
// Normalisation (trace-data.md §5): full-width characters become ASCII, spaces
// and '-' are removed from all-digit kinds; certificate numbers keep '-' and case;
// GS1 input is only trimmed. Code.Raw keeps the input as given. Errors are
// *CodeError.
func Parse(raw string, want Kind, o Options) (Code, error) {
	if len(raw) > maxInput {
		return Code{}, &CodeError{Raw: raw, Kind: want, Reason: ReasonTooLong,
			Detail: fmt.Sprintf("%d bytes, max %d", len(raw), maxInput)}
	}
	s := strings.TrimFunc(foldWidth(raw), unicode.IsSpace)
	switch want {
	case "":
		return infer(raw, s, o)
	case KindGS1:
		return parseGS1(raw, s, o)
	case KindCertificate:
		return parseCertificate(raw, s)
	case KindRetail, KindBatch, KindOperator, KindNode, KindEarTag, KindGTIN, KindRegion:
		return parseDigits(raw, stripSeparators(s), want, o)
	}
	return Code{}, &CodeError{Raw: raw, Reason: ReasonBadFormat, Detail: fmt.Sprintf("unknown kind %q", string(want))}
}

// ParseTraceCode parses what a caller keys on the phone: a retail trace code, with
// the DTMF terminator '#' dropped if it ends the entry.
func ParseTraceCode(raw string, o Options) (Code, error) {
	if len(raw) > maxInput {
		return Parse(raw, KindRetail, o)
	}
	s := strings.TrimFunc(foldWidth(raw), unicode.IsSpace)
	s = strings.TrimSuffix(s, "#")
	return parseDigits(raw, stripSeparators(s), KindRetail, o)
}

func infer(raw, s string, o Options) (Code, error) {
	if s == "" {
		return Code{}, &CodeError{Raw: raw, Reason: ReasonEmpty}
	}
	if hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") ||
		s[0] == '(' || s[0] == ']' || strings.IndexByte(s, gsChar) >= 0 {
		return parseGS1(raw, s, o)
	}
	d := stripSeparators(s)
	if d == "" {
		return Code{}, &CodeError{Raw: raw, Reason: ReasonEmpty}
	}
	if allDigits(d) {
		lo, hi := o.retailRange()
		switch n := len(d); {
		case n == 9 && provinceKnown(d[:2]):
			return parseDigits(raw, d, KindNode, o)
		case n == 13 && provinceKnown(d[:2]):
			return parseDigits(raw, d, KindOperator, o)
		case n == 13 && gs1Valid(d):
			return parseDigits(raw, d, KindGTIN, o)
		case n == 15 && d[0] >= '1' && d[0] <= '3' && provinceKnown(d[1:3]):
			return parseDigits(raw, d, KindEarTag, o)
		case n == 16:
			return parseDigits(raw, d, KindBatch, o)
		case n == 20:
			return parseDigits(raw, d, KindRetail, o)
		case (n == 8 || n == 12 || n == 14) && gs1Valid(d):
			return parseDigits(raw, d, KindGTIN, o)
		case n >= lo && n <= hi:
			return parseDigits(raw, d, KindRetail, o)
		case n >= certMin && n <= certMax:
			return parseCertificate(raw, d)
		}
		return parseDigits(raw, d, KindRetail, o)
	}
	c := stripSpaces(s)
	if certChars(c) {
		return parseCertificate(raw, c)
	}
	pos := 0
	for _, r := range c {
		pos++
		if !isCertRune(r) {
			return Code{}, &CodeError{Raw: raw, Reason: ReasonBadChar,
				Detail: fmt.Sprintf("%s at position %d", strconv.QuoteRune(r), pos)}
		}
	}
	return Code{}, &CodeError{Raw: raw, Reason: ReasonBadFormat}
}

// parseDigits validates d (already normalised) as an all-digit kind.
func parseDigits(raw, d string, k Kind, o Options) (Code, error) {
	fail := func(r Reason, format string, args ...any) (Code, error) {
		return Code{}, &CodeError{Raw: raw, Kind: k, Reason: r, Detail: fmt.Sprintf(format, args...)}
	}
	if d == "" {
		return Code{}, &CodeError{Raw: raw, Kind: k, Reason: ReasonEmpty}
	}
	if !allDigits(d) {
		pos := 0
		for _, r := range d {
			pos++
			if r < '0' || r > '9' {
				return fail(ReasonBadChar, "%s at position %d, want digits only", strconv.QuoteRune(r), pos)
			}
		}
	}
	n := len(d)
	c := Code{Kind: k, Value: d, Raw: raw}
	switch k {
	case KindRetail:
		lo, hi := o.retailRange()
		if n < lo || n > hi {
			want := "want 20"
			switch {
			case lo > 20 || hi < 20:
				want = fmt.Sprintf("want %d to %d", lo, hi)
			case lo != 20 || hi != 20:
				want = fmt.Sprintf("want 20 (%d to %d accepted)", lo, hi)
			}
			if n < lo {
				return fail(ReasonTooShort, "%d digits, %s", n, want)
			}
			return fail(ReasonTooLong, "%d digits, %s", n, want)
		}
		if o.CheckDigit && n == 20 && !gs1Valid(d) {
			cd, _ := GS1CheckDigit(d[:19])
			return fail(ReasonBadCheckDigit, "last digit %c, want %c", d[19], cd)
		}
		c.setRegion(d[:6])
		return c, nil
	case KindGTIN:
		switch {
		case n < 8:
			return fail(ReasonTooShort, "%d digits, want 8, 12, 13 or 14", n)
		case n > 14:
			return fail(ReasonTooLong, "%d digits, want 8, 12, 13 or 14", n)
		case n > 8 && n < 12:
			return fail(ReasonBadLength, "%d digits, want 8, 12, 13 or 14", n)
		}
		if !gs1Valid(d) {
			cd, _ := GS1CheckDigit(d[:n-1])
			return fail(ReasonBadCheckDigit, "last digit %c, want %c", d[n-1], cd)
		}
		c.Value = strings.Repeat("0", 14-n) + d
		c.GTIN = c.Value
		return c, nil
	}
	var want int
	switch k {
	case KindBatch:
		want = 16
	case KindOperator:
		want = 13
	case KindNode:
		want = 9
	case KindEarTag:
		want = 15
	case KindRegion:
		want = 6
	}
	if n < want {
		return fail(ReasonTooShort, "%d digits, want %d", n, want)
	}
	if n > want {
		return fail(ReasonTooLong, "%d digits, want %d", n, want)
	}
	region := d[:6]
	if k == KindEarTag {
		if d[0] < '1' || d[0] > '3' {
			return fail(ReasonBadFormat, "species digit %c, want 1 (pig), 2 (cattle) or 3 (sheep/goat)", d[0])
		}
		c.Species = Species(d[0] - '0')
		region = d[1:7]
	}
	// Retail and batch codes only warn on an unknown region (§5); the kinds whose
	// region is part of their definition must at least name a province.
	if k != KindBatch && !provinceKnown(region[:2]) {
		return fail(ReasonBadRegion, "region %s names no province", region)
	}
	if k == KindOperator && o.KnownNode != nil && !o.KnownNode(d[:9]) {
		return fail(ReasonUnknownNode, "node %s is not in the node table", d[:9])
	}
	c.setRegion(region)
	return c, nil
}

func (c *Code) setRegion(region string) {
	c.RegionCode = region
	_, _, _, c.RegionKnown = RegionName(region)
}

// Certificate numbers: trace-data.md §2.5.
const (
	certMin = 6
	certMax = 32
)

func isCertRune(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-'
}

func certChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isCertRune(rune(s[i])) {
			return false
		}
	}
	return true
}

// parseCertificate validates s (trimmed) as a certificate number; spaces are
// removed, '-' and case are kept.
func parseCertificate(raw, s string) (Code, error) {
	s = stripSpaces(s)
	fail := func(r Reason, format string, args ...any) (Code, error) {
		return Code{}, &CodeError{Raw: raw, Kind: KindCertificate, Reason: r, Detail: fmt.Sprintf(format, args...)}
	}
	if s == "" {
		return Code{}, &CodeError{Raw: raw, Kind: KindCertificate, Reason: ReasonEmpty}
	}
	if !certChars(s) {
		pos := 0
		for _, r := range s {
			pos++
			if !isCertRune(r) {
				return fail(ReasonBadChar, "%s at position %d, want 0-9, A-Z, a-z or '-'", strconv.QuoteRune(r), pos)
			}
		}
	}
	if n := len(s); n < certMin {
		return fail(ReasonTooShort, "%d characters, want %d to %d", n, certMin, certMax)
	} else if n > certMax {
		return fail(ReasonTooLong, "%d characters, want %d to %d", n, certMin, certMax)
	}
	return Code{Kind: KindCertificate, Value: s, Raw: raw}, nil
}

// Candidates returns the store keys to try for c, in order, without duplicates
// (trace-data.md §5):
//
//   - retail: the code as entered; then left-padded with zeros to 20 digits when
//     shorter (a 16-digit batch id as label scales print it); then with leading
//     zeros stripped, when it has any.
//   - batch: the code, then the code left-padded to 20.
//   - gs1: the lot, then the serial (each expanded as a retail code when it is all
//     digits and of retail length), then the canonical element string.
//   - every other kind: Value.
func Candidates(c Code) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	digits := func(v string) {
		add(v)
		if len(v) < 20 {
			add(strings.Repeat("0", 20-len(v)) + v)
		}
		if t := strings.TrimLeft(v, "0"); t != v {
			add(t)
		}
	}
	switch c.Kind {
	case KindRetail, KindBatch:
		digits(c.Value)
	case KindGS1:
		for _, v := range []string{c.Lot, c.Serial} {
			if n := len(v); n >= 16 && n <= 24 && allDigits(v) {
				digits(v)
			} else {
				add(v)
			}
		}
		add(c.Value)
	default:
		add(c.Value)
	}
	return out
}

// GS1CheckDigit returns the GS1 mod-10 check digit (as an ASCII digit) for body,
// the data digits without the check digit: weights 3, 1, 3, … from the rightmost
// digit, check = (10 − sum mod 10) mod 10. It works for GTIN, SSCC and the demo
// trace code alike.
func GS1CheckDigit(body string) (byte, error) {
	if body == "" {
		return 0, errors.New("trace: check digit: empty body")
	}
	sum, w := 0, 3
	for i := len(body) - 1; i >= 0; i-- {
		c := body[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("trace: check digit: %q at position %d is not a digit", c, i+1)
		}
		sum += int(c-'0') * w
		w = 4 - w
	}
	return byte('0' + (10-sum%10)%10), nil
}

// gs1Valid reports whether the all-digit d ends in its GS1 check digit.
func gs1Valid(d string) bool {
	if len(d) < 2 {
		return false
	}
	cd, err := GS1CheckDigit(d[:len(d)-1])
	return err == nil && cd == d[len(d)-1]
}

// DemoCode mints a demo trace code, the appliance's own format (trace-data.md §5):
// nodeCode(9) + YYMMDD(6) + serial(4) + GS1 check digit(1) = 20 digits. The date
// is taken in date's own location. It is not SB/T 10680; parse real platform codes
// without Options.CheckDigit. DemoCode panics if node is not 9 digits or serial is
// outside 0..9999, as those are programming errors.
//
//	DemoCode("310115001", 2024-03-15, 42) == "31011500124031500429"
func DemoCode(node string, date time.Time, serial int) string {
	if len(node) != 9 || !allDigits(node) {
		panic("trace: DemoCode: node code " + strconv.Quote(node) + " is not 9 digits")
	}
	if serial < 0 || serial > 9999 {
		panic("trace: DemoCode: serial " + strconv.Itoa(serial) + " outside 0..9999")
	}
	b := make([]byte, 0, 20)
	b = append(b, node...)
	b = date.AppendFormat(b, "060102")
	b = append(b, byte('0'+serial/1000), byte('0'+serial/100%10), byte('0'+serial/10%10), byte('0'+serial%10))
	cd, _ := GS1CheckDigit(string(b))
	return string(append(b, cd))
}

// ValidResidentID reports whether s is a well-formed 18-character resident identity
// number (居民身份证号, GB 11643): a known province, a real birth date and the
// ISO 7064 MOD 11-2 check character (0-9 or X, x accepted). Use it only to
// sanity-check a stored registration number; never speak or log the number.
func ValidResidentID(s string) bool {
	if len(s) != 18 || !allDigits(s[:17]) {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if last != "10X98765432"[sum%11] {
		return false
	}
	y, _ := strconv.Atoi(s[6:10])
	m, _ := strconv.Atoi(s[10:12])
	d, _ := strconv.Atoi(s[12:14])
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return false
	}
	return provinceKnown(s[:2])
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// foldWidth maps full-width forms (U+FF01–U+FF5E) to ASCII and the ideographic
// space to a space, so "３１０１" keyed on a Chinese keyboard reads as "3101".
func foldWidth(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stripSeparators removes spaces and '-', the separators people key or print
// inside long digit strings.
func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func stripSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
