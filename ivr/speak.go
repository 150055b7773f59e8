package ivr

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Spoken forms of values, per language. Chinese follows the trace-data spec §6:
// codes digit by digit with 1 as 幺, dates as 年月日, weights in 公斤.

var zhDigits = [10]string{"零", "幺", "二", "三", "四", "五", "六", "七", "八", "九"}

// zhNumerals are the digits as read in numbers and years (一, not 幺).
var zhNumerals = [10]string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// spellDigits reads a code one character at a time.
func spellDigits(lang, s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if lang == "zh" {
				b.WriteString(zhDigits[r-'0'])
			} else {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteRune(r)
			}
		case r == '-' || r == ' ':
			// separators are not read
		default:
			if lang != "zh" && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// spellGroups reads a code in groups of four, the way a caller checks it against
// the receipt.
func spellGroups(lang, s string) string {
	sep := "，"
	if lang != "zh" {
		sep = ", "
	}
	var groups []string
	for len(s) > 4 {
		groups = append(groups, spellDigits(lang, s[:4]))
		s = s[4:]
	}
	if s != "" {
		groups = append(groups, spellDigits(lang, s))
	}
	return strings.Join(groups, sep)
}

// zhNumber reads 0 ≤ n < 100000 the way numbers are said (十五, 一百零二).
func zhNumber(n int) string {
	if n < 0 || n >= 100000 {
		return strconv.Itoa(n)
	}
	if n < 10 {
		return zhNumerals[n]
	}
	if n < 20 {
		if n == 10 {
			return "十"
		}
		return "十" + zhNumerals[n-10]
	}
	units := []struct {
		v    int
		name string
	}{{10000, "万"}, {1000, "千"}, {100, "百"}, {10, "十"}}
	var b strings.Builder
	zero := false
	for _, u := range units {
		d := n / u.v
		n %= u.v
		switch {
		case d > 0:
			if zero {
				b.WriteString("零")
				zero = false
			}
			b.WriteString(zhNumerals[d])
			b.WriteString(u.name)
		case b.Len() > 0:
			zero = true
		}
	}
	if n > 0 {
		if zero {
			b.WriteString("零")
		}
		b.WriteString(zhNumerals[n])
	}
	return b.String()
}

// sayDecimal reads a number with two decimals at most (0.86 → 零点八六).
func sayDecimal(lang string, v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if lang != "zh" {
		return s
	}
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.Atoi(whole)
	if err != nil {
		return s
	}
	out := zhNumber(n)
	if frac != "" {
		out += "点"
		for _, r := range frac {
			out += zhNumerals[r-'0']
		}
	}
	return out
}

// sayWeight reads a weight in kilograms.
func sayWeight(lang string, kg float64) string {
	if lang == "zh" {
		return sayDecimal(lang, kg) + "公斤"
	}
	unit := " kilograms"
	if kg == 1 {
		unit = " kilogram"
	}
	return sayDecimal(lang, kg) + unit
}

// sayDate reads a date (2024-03-15 → 二零二四年三月十五日).
func sayDate(lang string, t time.Time) string {
	if lang == "zh" {
		var y strings.Builder
		for _, r := range strconv.Itoa(t.Year()) {
			y.WriteString(zhNumerals[r-'0'])
		}
		return fmt.Sprintf("%s年%s月%s日", y.String(), zhNumber(int(t.Month())), zhNumber(t.Day()))
	}
	return t.Format("2 January 2006")
}

// sayDateTime reads a date and the time of day (…十五日上午九点十二分).
func sayDateTime(lang string, t time.Time) string {
	if lang == "zh" {
		h, m := t.Hour(), t.Minute()
		part := "上午"
		switch {
		case h < 6:
			part = "凌晨"
		case h >= 12 && h < 18:
			part = "下午"
		case h >= 18:
			part = "晚上"
		}
		h12 := h
		if h12 > 12 {
			h12 -= 12
		}
		clock := zhNumber(h12) + "点"
		if m > 0 {
			clock += zhNumber(m) + "分"
		}
		return sayDate(lang, t) + part + clock
	}
	return t.Format("2 January 2006 at 3:04 PM")
}
