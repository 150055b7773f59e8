package tts

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitLatin splits text into runs for two voices: runs that hold Latin-script
// words, to be spoken by the English voice, and runs of everything else (Han
// characters, Chinese punctuation, digits written next to them), for the
// Mandarin voice. The runs concatenate back to text, none is empty, and
// neighbouring runs are never of the same kind; isLatinRun tells them apart.
// Text without a Latin letter comes back as one run, and "" as none.
//
// A Latin run starts at a Latin letter and ends at one, taking in the spaces,
// ASCII digits and punctuation and typographic apostrophes between its letters,
// so "For English, press 9." is one run. It then reaches forward and backward
// over such characters up to the nearest other character, except that digits
// touching a Han character (or any other non-Latin letter or number) stay with
// it: "B12号" gives "B" and "12号", "press 9。" gives "press 9" and "。". A
// non-Latin stretch with nothing to say (punctuation or spaces alone) joins the
// run before it, or the one after it at the start of the text.
//
// splitLatin never panics. Bytes that are not UTF-8 are kept in place and count
// as non-Latin characters.
func splitLatin(text string) []string {
	if text == "" {
		return nil
	}
	if !strings.ContainsFunc(text, isLatinLetter) {
		return []string{text}
	}
	// Runes and their byte offsets; pos[len(rs)] is the end of text.
	rs := make([]rune, 0, len(text))
	pos := make([]int, 0, len(text)+1)
	for i, r := range text {
		rs = append(rs, r)
		pos = append(pos, i)
	}
	pos = append(pos, len(text))
	n := len(rs)

	// Latin spans [start, end) in rune indices, in order and disjoint.
	type span struct{ start, end int }
	var spans []span
	for k := 0; k < n; {
		if !isLatinLetter(rs[k]) {
			k++
			continue
		}
		// The stretch runs to its last letter reachable through bridges; a
		// stretch always ends before a rune that is neither, so extensions of
		// neighbouring stretches cannot meet.
		first, last := k, k
		m := k + 1
		for ; m < n && (isLatinLetter(rs[m]) || isBridge(rs[m])); m++ {
			if isLatinLetter(rs[m]) {
				last = m
			}
		}
		start, end := first, last+1
		for start > 0 && isBridge(rs[start-1]) {
			start--
		}
		if start > 0 && start < first && isHanLike(rs[start-1]) && isDigit(rs[start]) {
			start = skipNumber(rs, start, first) // digits touching Han stay with it
		}
		for end < n && isBridge(rs[end]) {
			end++
		}
		if end < n && end > last+1 && isHanLike(rs[end]) && isDigit(rs[end-1]) {
			end = backNumber(rs, last+1, end)
		}
		spans = append(spans, span{start, end})
		k = m
	}

	// Pieces between and at the spans, alternating in kind. A non-Latin piece
	// with nothing to say takes the kind of the piece before it (after it, at
	// the start), and neighbours of one kind join.
	type piece struct {
		start, end int // rune indices
		latin      bool
	}
	pieces := make([]piece, 0, 2*len(spans)+1)
	prev := 0
	for _, s := range spans {
		if prev < s.start {
			pieces = append(pieces, piece{prev, s.start, false})
		}
		pieces = append(pieces, piece{s.start, s.end, true})
		prev = s.end
	}
	if prev < n {
		pieces = append(pieces, piece{prev, n, false})
	}
	for i, p := range pieces {
		if !p.latin && !speakable(rs[p.start:p.end]) {
			if i > 0 {
				pieces[i].latin = pieces[i-1].latin
			} else {
				pieces[i].latin = true // a Latin piece follows: there is one
			}
		}
	}
	out := pieces[:1]
	for _, p := range pieces[1:] {
		if last := &out[len(out)-1]; last.latin == p.latin {
			last.end = p.end
		} else {
			out = append(out, p)
		}
	}

	runs := make([]string, len(out))
	for i, p := range out {
		runs[i] = text[pos[p.start]:pos[p.end]]
	}
	return runs
}

// isLatinRun reports whether run, one of splitLatin's, is for the English voice.
func isLatinRun(run string) bool { return strings.ContainsFunc(run, isLatinLetter) }

// isLatinLetter reports whether r is a letter of the Latin script as English
// text writes it: ASCII, or accented as in "café" (but not the fullwidth forms
// of CJK text, which espeak-ng's English voice cannot read either).
func isLatinLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return r < 0x2000 && unicode.IsLetter(r) && unicode.Is(unicode.Latin, r)
}

// isBridge reports whether r may sit between the words of an English run: a
// space, an ASCII digit or punctuation mark, or a typographic apostrophe.
func isBridge(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return !isLatinLetter(r)
	case r == '‘' || r == '’':
		return true
	}
	return unicode.IsSpace(r)
}

// isHanLike reports whether r is a letter or number outside the Latin script,
// which digits written against it are read with.
func isHanLike(r rune) bool {
	return r >= utf8.RuneSelf && r != utf8.RuneError && !isLatinLetter(r) && (unicode.IsLetter(r) || unicode.IsNumber(r))
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// isNumberPart reports whether r can be part of a written number: "3.5", "1,000".
func isNumberPart(r rune) bool { return isDigit(r) || r == '.' || r == ',' }

// skipNumber returns the index just past the number starting at rs[i], which
// must be a digit, stopping at limit and not counting a trailing '.' or ','.
func skipNumber(rs []rune, i, limit int) int {
	j := i
	for j < limit && isNumberPart(rs[j]) {
		j++
	}
	for j > i && !isDigit(rs[j-1]) {
		j--
	}
	return j
}

// backNumber returns the index where the number ending just before rs[end],
// which must follow a digit, begins, not going below limit nor counting a
// leading '.' or ','.
func backNumber(rs []rune, limit, end int) int {
	j := end
	for j > limit && isNumberPart(rs[j-1]) {
		j--
	}
	for j < end && !isDigit(rs[j]) {
		j++
	}
	return j
}

// speakable reports whether rs holds a letter or a number.
func speakable(rs []rune) bool {
	for _, r := range rs {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}
