package tts

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitLatin(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", nil},
		{"chinese only", "猪肉前腿肉", []string{"猪肉前腿肉"}},
		{"digits stay chinese", "查询追溯码请按1。", []string{"查询追溯码请按1。"}},
		{"digits alone", "123", []string{"123"}},
		{"english sentence after chinese", "查询请按1。For English, press 9.",
			[]string{"查询请按1。", "For English, press 9."}},
		{"welcome", "您好，欢迎致电肉菜流通追溯查询热线。查询追溯码请按1。For English, press 9.",
			[]string{"您好，欢迎致电肉菜流通追溯查询热线。查询追溯码请按1。", "For English, press 9."}},
		{"single letter", "摊位号B幺二", []string{"摊位号", "B", "幺二"}},
		{"letter then digits against han", "摊位B12号", []string{"摊位", "B", "12号"}},
		{"digits against han then letter", "号12B", []string{"号12", "B"}},
		{"decimal against han", "weight 3.5公斤", []string{"weight ", "3.5公斤"}},
		{"digit before chinese full stop", "For English, press 9。请稍候",
			[]string{"For English, press 9", "。请稍候"}},
		{"trailing chinese punctuation joins", "For English, press 9。", []string{"For English, press 9。"}},
		{"leading punctuation joins", "“Hello” 你好", []string{"“Hello", "” 你好"}},
		{"english only", "For English, press 9.", []string{"For English, press 9."}},
		{"spaced digits go english", "For English, press 9. 中文请按2",
			[]string{"For English, press 9. ", "中文请按2"}},
		{"english after spaced digit", "请按1或2 for English", []string{"请按1或2", " for English"}},
		{"apostrophes", "我们don’t know it's 好", []string{"我们", "don’t know it's ", "好"}},
		{"accented", "欢迎café Müller", []string{"欢迎", "café Müller"}},
		{"fullwidth is not latin", "ＡＢ号", []string{"ＡＢ号"}},
		{"two english runs", "请说Yes或No。", []string{"请说", "Yes", "或", "No。"}},
		{"unit", "五kg", []string{"五", "kg"}},
		{"invalid utf-8", "a\xff中b", []string{"a", "\xff中", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitLatin(tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitLatin(%q) = %q, want %q", tt.text, got, tt.want)
			}
			checkRuns(t, tt.text, got)
		})
	}
}

// checkRuns checks what splitLatin promises for any input.
func checkRuns(t *testing.T, text string, runs []string) {
	t.Helper()
	if got := strings.Join(runs, ""); got != text {
		t.Fatalf("runs %q join to %q, want %q", runs, got, text)
	}
	for i, r := range runs {
		if r == "" {
			t.Fatalf("run %d of %q is empty", i, runs)
		}
		if i > 0 && isLatinRun(r) == isLatinRun(runs[i-1]) {
			t.Fatalf("runs %d and %d of %q are of one kind", i-1, i, runs)
		}
		if !isLatinRun(r) && len(runs) > 1 && !speakable([]rune(r)) {
			t.Fatalf("run %d of %q has nothing to say", i, runs)
		}
	}
	if !strings.ContainsFunc(text, isLatinLetter) && len(runs) > 1 {
		t.Fatalf("text without Latin letters split into %q", runs)
	}
}

func FuzzSplitLatin(f *testing.F) {
	for _, s := range []string{
		"查询请按1。For English, press 9.", "摊位号B幺二", "猪肉前腿肉", "", "B12号", "号12B",
		"weight 3.5公斤", "“Hello” 你好", "a\xff中b", "。,a", "1.,a,.2中",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		runs := splitLatin(text)
		checkRuns(t, text, runs)
		if text != "" && len(runs) == 0 {
			t.Fatalf("no runs for %q", text)
		}
	})
}

func TestPauseBetween(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"words", "摊位号", "B", runGap},
		{"chinese full stop", "查询请按1。", "For English", sentencePause},
		{"full stop starts the next run", "press 9", "。请稍候", sentencePause},
		{"english full stop and space", "press 9. ", "中文请按2", sentencePause},
		{"chinese comma", "您好，", "Mr Wang", clausePause},
		{"english comma", "Hello, ", "先生", clausePause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pauseBetween(tt.a, tt.b); got != tt.want {
				t.Errorf("pauseBetween(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
