package trace

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// gsChar is the ASCII group separator that ends a variable-length GS1 field
// (FNC1 as scanners transmit it).
const gsChar = '\x1d'

// aiSpec describes one supported GS1 application identifier (trace-data.md §5).
type aiSpec struct {
	fixed int    // data length of a fixed-length AI; 0 for variable length
	max   int    // maximum data length of a variable-length AI
	date  bool   // YYMMDD
	rank  int    // position in the canonical element string
	name  string // for messages
}

// Canonical order of the element string Code.Value: keys, dates, net weight,
// then the variable-length lot and serial (which need no separator at the end).
const (
	rankSSCC = iota
	rankGTIN
	rankProduction
	rankPackaged
	rankBestBefore
	rankExpiry
	rankNetKg
	rankLot
	rankSerial
	numRanks
)

func lookupAI(ai string) (aiSpec, bool) {
	switch ai {
	case "00":
		return aiSpec{fixed: 18, rank: rankSSCC, name: "SSCC"}, true
	case "01":
		return aiSpec{fixed: 14, rank: rankGTIN, name: "GTIN"}, true
	case "10":
		return aiSpec{max: 20, rank: rankLot, name: "lot"}, true
	case "11":
		return aiSpec{fixed: 6, date: true, rank: rankProduction, name: "production date"}, true
	case "13":
		return aiSpec{fixed: 6, date: true, rank: rankPackaged, name: "packaging date"}, true
	case "15":
		return aiSpec{fixed: 6, date: true, rank: rankBestBefore, name: "best-before date"}, true
	case "17":
		return aiSpec{fixed: 6, date: true, rank: rankExpiry, name: "expiry date"}, true
	case "21":
		return aiSpec{max: 20, rank: rankSerial, name: "serial"}, true
	}
	if len(ai) == 4 && ai[:3] == "310" && ai[3] >= '0' && ai[3] <= '5' {
		return aiSpec{fixed: 6, rank: rankNetKg, name: "net weight"}, true
	}
	return aiSpec{}, false
}

// gs1Parse collects the fields of one GS1 code.
type gs1Parse struct {
	raw string
	now time.Time
	c   Code
	ais [numRanks]string // AI seen at each rank, "" when absent
	val [numRanks]string // its data as given
}

func (p *gs1Parse) fail(r Reason, format string, args ...any) error {
	return &CodeError{Raw: p.raw, Kind: KindGS1, Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// parseGS1 parses s (width-folded, trimmed) as a Digital Link URI or an element
// string in bracketed or raw form.
func parseGS1(raw, s string, o Options) (Code, error) {
	if s == "" {
		return Code{}, &CodeError{Raw: raw, Kind: KindGS1, Reason: ReasonEmpty}
	}
	p := &gs1Parse{raw: raw, now: o.now()}
	var err error
	switch {
	case hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://"):
		err = p.digitalLink(s)
	case s[0] == '(':
		err = p.bracketed(s)
	case s[0] == ']':
		if len(s) < 3 || !slices.Contains([]string{"]C1", "]d2", "]Q3", "]e0"}, s[:3]) {
			id := s
			if len(id) > 3 {
				id = id[:3]
			}
			return Code{}, p.fail(ReasonBadFormat, "symbology identifier %q, want ]C1, ]d2, ]Q3 or ]e0", id)
		}
		err = p.unbracketed(s[3:])
	default:
		err = p.unbracketed(s)
	}
	if err != nil {
		return Code{}, err
	}
	return p.finish()
}

// bracketed parses "(01)09521234543213(10)ABC123". The data of an AI runs to the
// next "(" + 2 to 4 digits + ")", so a lot may contain '(' but not, say, "(21)".
func (p *gs1Parse) bracketed(s string) error {
	for i := 0; i < len(s); {
		if s[i] != '(' {
			return p.fail(ReasonBadFormat, "want '(' at position %d", i+1)
		}
		end := strings.IndexByte(s[i+1:], ')')
		if end < 0 {
			return p.fail(ReasonBadFormat, "'(' at position %d is not closed", i+1)
		}
		ai := s[i+1 : i+1+end]
		if len(ai) < 2 || len(ai) > 4 || !allDigits(ai) {
			return p.fail(ReasonBadFormat, "(%s) is not an application identifier", ai)
		}
		j := i + 1 + end + 1
		k := nextBracketedAI(s[j:])
		if err := p.set(ai, strings.TrimSpace(s[j:j+k]), false); err != nil {
			return err
		}
		i = j + k
	}
	return nil
}

// nextBracketedAI returns the index in s of the next "(NN)" to "(NNNN)", or len(s).
func nextBracketedAI(s string) int {
	for k := 0; k < len(s); k++ {
		if s[k] != '(' {
			continue
		}
		end := strings.IndexByte(s[k+1:], ')')
		if end >= 2 && end <= 4 && allDigits(s[k+1:k+1+end]) {
			return k
		}
	}
	return len(s)
}

// unbracketed parses the raw form: AIs followed by their data, a variable-length
// field ending at a GS or at the end. Extra GS characters (a leading FNC1, one after
// a fixed-length field) are skipped.
func (p *gs1Parse) unbracketed(s string) error {
	if strings.Trim(s, string(gsChar)) == "" {
		return p.fail(ReasonBadFormat, "no data")
	}
	for i := 0; i < len(s); {
		if s[i] == gsChar {
			i++
			continue
		}
		n := 2
		if strings.HasPrefix(s[i:], "31") {
			n = 4
		}
		if i+n > len(s) {
			return p.fail(ReasonBadFormat, "application identifier cut short at position %d", i+1)
		}
		ai := s[i : i+n]
		if !allDigits(ai) {
			return p.fail(ReasonBadFormat, "want an application identifier at position %d, got %q", i+1, ai)
		}
		spec, ok := lookupAI(ai)
		if !ok {
			return p.fail(ReasonUnknownAI, "(%s) is not supported", ai)
		}
		i += n
		var v string
		if spec.fixed > 0 {
			end := min(i+spec.fixed, len(s))
			v = s[i:end]
			i = end
		} else {
			end := strings.IndexByte(s[i:], gsChar)
			if end < 0 {
				end = len(s) - i
			}
			v = s[i : i+end]
			i += end
		}
		if err := p.set(ai, v, false); err != nil {
			return err
		}
	}
	return nil
}

// digitalLink parses https://host[/prefix]/01/{gtin}[/10/{lot}][/21/{serial}][?17=…]
// or …/00/{sscc}. The primary key is the first /01/ or /00/ followed by digits with
// an even number of path segments left. Query keys that are supported AIs are
// parsed; other keys (linkType, AIs this package does not model) are ignored.
func (p *gs1Parse) digitalLink(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return p.fail(ReasonBadFormat, "not a Digital Link URI with a host")
	}
	var segs []string
	for _, seg := range strings.Split(strings.Trim(u.EscapedPath(), "/"), "/") {
		v, err := url.PathUnescape(seg)
		if err != nil {
			return p.fail(ReasonBadFormat, "bad percent-encoding in path segment %q", seg)
		}
		segs = append(segs, v)
	}
	start := -1
	for i := 0; i+1 < len(segs); i++ {
		if (segs[i] == "01" || segs[i] == "00") && (len(segs)-i)%2 == 0 &&
			segs[i+1] != "" && allDigits(segs[i+1]) {
			start = i
			break
		}
	}
	if start < 0 {
		return p.fail(ReasonBadFormat, "no /01/{gtin} or /00/{sscc} in the path")
	}
	for j := start; j < len(segs); j += 2 {
		key := segs[j]
		if j > start {
			if segs[start] == "00" {
				return p.fail(ReasonBadFormat, "/00/ takes no qualifiers, got /%s/", key)
			}
			if key != "10" && key != "21" {
				if _, ok := lookupAI(key); ok || allDigits(key) {
					return p.fail(ReasonUnknownAI, "(%s) is not a supported path qualifier", key)
				}
				return p.fail(ReasonBadFormat, "path segment %q is not an application identifier", key)
			}
		}
		if err := p.set(key, segs[j+1], true); err != nil {
			return err
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return p.fail(ReasonBadFormat, "bad query string")
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "" || !allDigits(k) {
			continue
		}
		if _, ok := lookupAI(k); !ok {
			continue
		}
		if k == "00" || k == "01" {
			return p.fail(ReasonBadFormat, "(%s) belongs in the path, not the query", k)
		}
		if len(q[k]) > 1 {
			return p.fail(ReasonBadFormat, "(%s) appears twice", k)
		}
		if err := p.set(k, q[k][0], true); err != nil {
			return err
		}
	}
	return nil
}

// set validates the data v of ai and stores it. dl allows the short GTIN forms a
// Digital Link may carry.
func (p *gs1Parse) set(ai, v string, dl bool) error {
	spec, ok := lookupAI(ai)
	if !ok {
		return p.fail(ReasonUnknownAI, "(%s) is not supported", ai)
	}
	if p.ais[spec.rank] != "" {
		return p.fail(ReasonBadFormat, "%s appears twice", spec.name)
	}
	switch {
	case ai == "01":
		n := len(v)
		if !allDigits(v) || !(n == 14 || dl && (n == 8 || n == 12 || n == 13)) {
			return p.fail(ReasonBadFormat, "(01) wants a 14-digit GTIN, got %q", cut(v))
		}
		if !gs1Valid(v) {
			cd, _ := GS1CheckDigit(v[:n-1])
			return p.fail(ReasonBadCheckDigit, "(01) GTIN last digit %c, want %c", v[n-1], cd)
		}
		v = strings.Repeat("0", 14-n) + v
		p.c.GTIN = v
	case ai == "00":
		if len(v) != 18 || !allDigits(v) {
			return p.fail(ReasonBadFormat, "(00) wants an 18-digit SSCC, got %q", cut(v))
		}
		if !gs1Valid(v) {
			cd, _ := GS1CheckDigit(v[:17])
			return p.fail(ReasonBadCheckDigit, "(00) SSCC last digit %c, want %c", v[17], cd)
		}
		p.c.SSCC = v
	case spec.date:
		t, err := p.date(ai, v)
		if err != nil {
			return err
		}
		switch ai {
		case "11":
			p.c.Production = t
		case "13":
			p.c.Packaged = t
		case "15":
			p.c.BestBefore = t
		case "17":
			p.c.Expiry = t
		}
	case spec.rank == rankNetKg:
		if len(v) != 6 || !allDigits(v) {
			return p.fail(ReasonBadFormat, "(%s) wants 6 digits, got %q", ai, cut(v))
		}
		n, _ := strconv.Atoi(v)
		p.c.NetKg = float64(n) / [...]float64{1, 10, 100, 1e3, 1e4, 1e5}[ai[3]-'0']
	default: // lot, serial: 1–20 characters of GS1 CSET 82
		if v == "" {
			return p.fail(ReasonBadFormat, "(%s) %s is empty", ai, spec.name)
		}
		pos := 0
		for _, r := range v {
			pos++
			if !isCSet82(r) {
				return p.fail(ReasonBadChar, "(%s) %s has %s at position %d", ai, spec.name, strconv.QuoteRune(r), pos)
			}
		}
		if len(v) > spec.max {
			return p.fail(ReasonTooLong, "(%s) %s is %d characters, max %d", ai, spec.name, len(v), spec.max)
		}
		if ai == "10" {
			p.c.Lot = v
		} else {
			p.c.Serial = v
		}
	}
	p.ais[spec.rank], p.val[spec.rank] = ai, v
	return nil
}

// date parses YYMMDD. The century puts the date within −49/+50 years of today;
// day 00 means the last day of the month, for (15) and (17) only.
func (p *gs1Parse) date(ai, v string) (time.Time, error) {
	if len(v) != 6 || !allDigits(v) {
		return time.Time{}, p.fail(ReasonBadFormat, "(%s) wants YYMMDD, got %q", ai, cut(v))
	}
	yy, _ := strconv.Atoi(v[:2])
	mm, _ := strconv.Atoi(v[2:4])
	dd, _ := strconv.Atoi(v[4:])
	if mm < 1 || mm > 12 {
		return time.Time{}, p.fail(ReasonBadDate, "(%s) %s: month %02d", ai, v, mm)
	}
	this := p.now.Year()
	y := this - this%100 + yy
	if y-this > 50 {
		y -= 100
	} else if y-this < -49 {
		y += 100
	}
	last := daysIn(y, time.Month(mm))
	switch {
	case dd == 0 && (ai == "15" || ai == "17"):
		dd = last
	case dd == 0:
		return time.Time{}, p.fail(ReasonBadDate, "(%s) %s: day 00 is allowed only in (15) and (17)", ai, v)
	case dd > last:
		return time.Time{}, p.fail(ReasonBadDate, "(%s) %s: day %d, %s %d has %d", ai, v, dd, time.Month(mm), y, last)
	}
	return time.Date(y, time.Month(mm), dd, 0, 0, 0, 0, time.UTC), nil
}

// finish checks that a key is present and builds the canonical element string.
func (p *gs1Parse) finish() (Code, error) {
	if p.c.GTIN == "" && p.c.SSCC == "" {
		return Code{}, p.fail(ReasonBadFormat, "no (01) GTIN or (00) SSCC")
	}
	var b strings.Builder
	for r := range numRanks {
		if p.ais[r] != "" {
			b.WriteByte('(')
			b.WriteString(p.ais[r])
			b.WriteByte(')')
			b.WriteString(p.val[r])
		}
	}
	p.c.Kind = KindGS1
	p.c.Value = b.String()
	p.c.Raw = p.raw
	return p.c, nil
}

// isCSet82 reports whether r is in GS1 character set 82, the characters allowed
// in alphanumeric AIs such as (10) and (21).
func isCSet82(r rune) bool {
	switch {
	case r >= '0' && r <= '9', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		return true
	}
	return strings.ContainsRune(`!"%&'()*+,-./:;<=>?_`, r)
}

// cut shortens s for an error message, on a rune boundary.
func cut(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
