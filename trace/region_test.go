package trace_test

import (
	"testing"

	"tracecall/trace"
)

func TestRegionName(t *testing.T) {
	tests := []struct {
		code                   string
		province, city, county string
		ok                     bool
		full                   string
	}{
		// Every region of trace-data.md §7.
		{"110106", "北京市", "", "丰台区", true, "北京市丰台区"},
		{"310115", "上海市", "", "浦东新区", true, "上海市浦东新区"},
		{"370783", "山东省", "潍坊市", "寿光市", true, "山东省寿光市"},
		{"370602", "山东省", "烟台市", "芝罘区", true, "山东省烟台市芝罘区"},
		{"220122", "吉林省", "长春市", "农安县", true, "吉林省农安县"},
		{"440106", "广东省", "广州市", "天河区", true, "广东省广州市天河区"},
		{"130100", "河北省", "石家庄市", "", true, "河北省石家庄市"},
		// Levels and special pairs.
		{"370000", "山东省", "", "", true, "山东省"},
		{"429004", "湖北省", "", "仙桃市", true, "湖北省仙桃市"},
		{"820000", "澳门特别行政区", "", "", true, "澳门特别行政区"},
		{"310103", "上海市", "", "卢湾区", true, "上海市卢湾区"}, // retired, kept
		// Partly known.
		{"370799", "山东省", "潍坊市", "", false, "山东省潍坊市"},
		{"379900", "山东省", "", "", false, "山东省"},
		{"110301", "北京市", "", "", false, "北京市"},
		{"110099", "北京市", "", "", false, "北京市"},
		// Unknown.
		{"990000", "", "", "", false, ""},
		{"11010", "", "", "", false, ""},
		{"11010A", "", "", "", false, ""},
	}
	for _, tt := range tests {
		p, c, k, ok := trace.RegionName(tt.code)
		if p != tt.province || c != tt.city || k != tt.county || ok != tt.ok {
			t.Errorf("RegionName(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", tt.code, p, c, k, ok, tt.province, tt.city, tt.county, tt.ok)
		}
		if got := trace.RegionFullName(tt.code); got != tt.full {
			t.Errorf("RegionFullName(%q) = %q, want %q", tt.code, got, tt.full)
		}
	}
}

func TestRegionProvinces(t *testing.T) {
	codes := []string{"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
		"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}
	if len(codes) != 34 {
		t.Fatalf("test lists %d provincial-level units, want 34", len(codes))
	}
	for _, c := range codes {
		if p, _, _, ok := trace.RegionName(c + "0000"); !ok || p == "" {
			t.Errorf("province %s0000 missing", c)
		}
	}
}

func TestRegionSuccessor(t *testing.T) {
	if s, ok := trace.RegionSuccessor("310119"); !ok || s != "310115" {
		t.Errorf("RegionSuccessor(310119) = %q, %v; want 310115 (南汇区 → 浦东新区)", s, ok)
	}
	if _, ok := trace.RegionSuccessor("310115"); ok {
		t.Error("RegionSuccessor(310115) reports retired")
	}
}
