package web

import "testing"

func TestCataloguesDisjoint(t *testing.T) {
	seen := map[string]int{}
	for i, c := range catalogues {
		for k := range c["zh"] {
			if j, ok := seen[k]; ok {
				t.Errorf("key %q is in catalogues %d and %d", k, j, i)
			}
			seen[k] = i
		}
	}
}
