package config

import "testing"

func TestKeyLines(t *testing.T) {
	const text = `top = 1
[a]
b = 2            # comment = not a key
"c.d" = 3
e.f = 4
s = """
x = 5
"""
[a."g h".i]
j = { k = 6 }
[[arr]]
n = 7
[[arr]]
n = 8
arr2 = [
  { m = 9 },
]
`
	tests := []struct {
		key  string
		want int
	}{
		{"top", 1},
		{"a", 2},
		{"a.b", 3},
		{"a.c.d", 4}, // a quoted key's dot is part of it, as errors would print it
		{"a.e.f", 5},
		{"a.s", 6},
		{"a.x", 2}, // inside a multi-line string: no key, so its table
		{"a.g h", 9},
		{"a.g h.i", 9},
		{"a.g h.i.j", 10},
		{"a.g h.i.j.k", 10}, // inside an inline table: its key's line
		{"arr[0].n", 12},
		{"arr[1].n", 14},
		{"arr[1].missing", 13}, // a key left out: its table's line
		{"arr.n", 12},          // as toml names an unknown key
		{"arr[1].arr2", 15},
		{"arr[1].arr2[0].m", 15},
		{"nowhere.x", 0},
		{"", 0},
	}
	ix := keyLines(text)
	for _, tt := range tests {
		if got := ix.find(tt.key); got != tt.want {
			t.Errorf("find(%q) = %d, want %d", tt.key, got, tt.want)
		}
	}
}
