package tts

import "testing"

func TestLRU(t *testing.T) {
	c := newLRU[string, int](3)
	c.add("a", 1)
	c.add("b", 2)
	c.add("c", 3)
	if v, ok := c.get("a"); !ok || v != 1 { // a is now the most recent
		t.Fatalf("get(a) = %d, %v", v, ok)
	}
	c.add("d", 4) // evicts b, the least recent
	if _, ok := c.get("b"); ok {
		t.Error("b survived eviction")
	}
	c.add("c", 30) // replace, no eviction
	for k, want := range map[string]int{"a": 1, "c": 30, "d": 4} {
		if v, ok := c.get(k); !ok || v != want {
			t.Errorf("get(%s) = %d, %v; want %d", k, v, ok, want)
		}
	}
	if c.len() != 3 {
		t.Errorf("len = %d, want 3", c.len())
	}
	if n := testing.AllocsPerRun(100, func() { c.get("a") }); n != 0 {
		t.Errorf("get allocates %.0f times", n)
	}
}
