package trace_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"tracecall/trace"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// jsonOf is v as JSON, for comparing values that hold times and pointers.
func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGeneratorDeterministic(t *testing.T) {
	a, b := trace.NewGenerator(42), trace.NewGenerator(42)
	// Call order must not matter: Chain(i) is a pure function of seed and i.
	backwards := make([]string, 40)
	for i := 39; i >= 0; i-- {
		backwards[i] = jsonOf(t, a.Chain(i))
	}
	for i := range 40 {
		if jsonOf(t, b.Chain(i)) != backwards[i] {
			t.Fatalf("chain %d differs between two generators with the same seed", i)
		}
	}
	other := trace.NewGenerator(43)
	same := 0
	for i := range 40 {
		if jsonOf(t, a.Chain(i)) == jsonOf(t, other.Chain(i)) {
			same++
			if i != trace.DemoPorkIndex && i != trace.DemoVegIndex && i != trace.DemoFailedIndex {
				t.Errorf("chain %d is the same for seeds 42 and 43", i)
			}
		}
	}
	if same != 3 {
		t.Errorf("%d chains equal across seeds, want the 3 fixed ones", same)
	}
}

func TestDemoGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := trace.WriteJSONL(&buf, trace.NewGenerator(trace.DemoSeed).Chains(3)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "demo_chains.golden.jsonl")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("demo chains 0-2 differ from %s; if the change is intended, run go test ./trace -run TestDemoGolden -update", path)
	}
}

// TestDemoPorkChain pins the §7 values of chain 0.
func TestDemoPorkChain(t *testing.T) {
	c := trace.DemoChains(1)[0]
	var types []trace.EventType
	for _, e := range c.Events {
		types = append(types, e.Type)
	}
	want := []trace.EventType{trace.EventSlaughterEntry, trace.EventSlaughterInspection, trace.EventSlaughterSale,
		trace.EventWholesaleEntry, trace.EventWholesaleSale, trace.EventRetailEntry, trace.EventRetailSale}
	if !slices.Equal(types, want) {
		t.Fatalf("event types = %v, want %v", types, want)
	}
	e := c.Events
	checks := []struct {
		name      string
		got, want any
	}{
		{"trace code", c.TraceCode, trace.DemoPorkCode},
		{"ear tag", e[0].EarTags, []string{"137060200012345"}},
		{"farm", e[0].FarmName, "芝罘区福源生猪养殖场"},
		{"animal quarantine", e[0].Certificates[0].Number, "3706001234"},
		{"slaughterhouse", e[0].Node.Name + " " + e[0].Node.Code, "烟台鲁东肉类加工有限公司 370602001"},
		{"entry time", e[0].At.Format("2006-01-02 15:04 -07:00"), "2024-03-13 22:40 +08:00"},
		{"owner", e[0].Counterparty.Name, "张某"},
		{"head", e[0].HeadCount, 48},
		{"product quarantine", e[1].Certificates[0].Number, "370602240313001"},
		{"meat inspection", e[1].Certificates[1].Number, "RZ202403130015"},
		{"slaughter sale", e[2].At.Format("2006-01-02 15:04") + " " + e[2].OutputRef, "2024-03-14 04:10 37060200124031400017"},
		{"buyer", e[2].Counterparty.Name, "李记肉业"},
		{"wholesale entry", e[3].Node.Code + " " + e[3].At.Format("2006-01-02 15:04") + " " + e[3].VehiclePlate, "110106001 2024-03-14 15:20 鲁F·A1234"},
		{"wholesale tran", e[4].OutputRef, "11010600124031500233"},
		{"retail node", e[6].Node.Code, "110106005"},
		{"stall", e[6].Operator.StallNo, "B-12"},
		{"cut", e[6].Goods.Part, "前腿肉"},
		{"weight", e[6].WeightKg, 0.86},
		{"price", e[6].UnitPrice, 28.0},
		{"sale time", e[6].At.Format("2006-01-02 15:04"), "2024-03-15 09:12"},
		{"retail links wholesale", e[6].InputRefs[0], e[4].OutputRef},
		{"wholesale links slaughter", e[3].InputRefs[0], e[2].OutputRef},
	}
	for _, ch := range checks {
		if jsonOf(t, ch.got) != jsonOf(t, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestDemoVegChain(t *testing.T) {
	c := trace.DemoChains(2)[1]
	e := c.Events
	if c.TraceCode != trace.DemoVegCode || len(e) != 5 {
		t.Fatalf("chain 1 = %s with %d events", c.TraceCode, len(e))
	}
	if e[0].OriginRegion != "370783" || e[0].OriginName != "山东省寿光市" || e[0].FarmName != "洛城街道蔬菜合作社" ||
		e[0].Certificates[0].Number != "SG20240312-0088" || e[0].Goods.GoodsName != "大白菜" {
		t.Errorf("origin = %+v", e[0])
	}
	if e[4].Node.Type != trace.NodeSupermarket || e[1].Type != trace.EventWholesaleTest || e[1].Certificates[0].Result != trace.ResultPass {
		t.Errorf("events = %+v", e)
	}
}

// TestDemoProperties checks the promises of Generator.Chain over many chains.
func TestDemoProperties(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	seen := map[string]int{}
	for i, c := range trace.DemoChains(n) {
		if err := c.Validate(demoOpts); err != nil {
			t.Fatalf("chain %d: %v", i, err)
		}
		if j, dup := seen[c.TraceCode]; dup {
			t.Fatalf("chains %d and %d share trace code %s", j, i, c.TraceCode)
		}
		seen[c.TraceCode] = i
		if c.CodeKind != trace.KindRetail {
			t.Errorf("chain %d kind %s", i, c.CodeKind)
		}
		wantIncomplete := i%20 == 4 || i%20 == 13
		if c.Complete == wantIncomplete {
			t.Errorf("chain %d Complete = %v, MissingHops %v", i, c.Complete, c.MissingHops)
		}
		if c.HasFailedResult() != (i == trace.DemoFailedIndex) {
			t.Errorf("chain %d HasFailedResult = %v", i, c.HasFailedResult())
		}
		wantCat := trace.CategoryVeg
		if i%2 == 0 {
			wantCat = trace.CategoryMeat
		}
		if c.Category() != wantCat {
			t.Errorf("chain %d category %s, want %s", i, c.Category(), wantCat)
		}
		for j, e := range c.Events {
			if _, off := e.At.Zone(); off != 8*3600 || e.At.Year() < 2024 || e.At.Year() > 2026 {
				t.Errorf("chain %d event %d at %s", i, j, e.At)
			}
			if j > 0 && e.At.Before(c.Events[j-1].At) {
				t.Errorf("chain %d event %d goes back in time", i, j)
			}
			if e.Type == trace.EventSlaughterSale && (e.WeightKg < 75 || e.WeightKg > 95) {
				t.Errorf("chain %d carcass %v kg", i, e.WeightKg)
			}
		}
		sale := c.RetailSale()
		if sale == nil || sale.OutputRef != c.TraceCode {
			t.Fatalf("chain %d retail sale %+v", i, sale)
		}
		kg, price := sale.WeightKg, sale.UnitPrice
		if wantCat == trace.CategoryMeat && (kg < 0.3 || kg > 2.5 || price < 20 || price > 40) ||
			wantCat == trace.CategoryVeg && (kg < 0.2 || kg > 3 || price < 2 || price > 12) {
			t.Errorf("chain %d sells %v kg at %v 元/kg", i, kg, price)
		}
		if c.TraceCode[:9] != sale.Node.Code {
			t.Errorf("chain %d code %s not minted by retail node %s", i, c.TraceCode, sale.Node.Code)
		}
	}
}

// TestDemoCodesUnique samples indexes across the whole range DemoMaxChains.
func TestDemoCodesUnique(t *testing.T) {
	g := trace.NewGenerator(trace.DemoSeed)
	seen := map[string]int{}
	for _, base := range []int{0, 3000, 5_000_000, 10_000_000, trace.DemoMaxChains - 1100} {
		for i := base; i < base+1100 && i < trace.DemoMaxChains; i += 3 {
			code := g.Chain(i).TraceCode
			if j, dup := seen[code]; dup {
				t.Fatalf("chains %d and %d share %s", j, i, code)
			}
			seen[code] = i
		}
	}
	for _, bad := range []int{-1, trace.DemoMaxChains} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Chain(%d) did not panic", bad)
				}
			}()
			g.Chain(bad)
		}()
	}
}

func TestDemoChainsIterator(t *testing.T) {
	g := trace.NewGenerator(trace.DemoSeed)
	n := 0
	for c := range g.Chains(10) {
		if c.TraceCode != g.Chain(n).TraceCode {
			t.Errorf("Chains yields %s at %d", c.TraceCode, n)
		}
		n++
		if n == 5 {
			break
		}
	}
	if n != 5 || len(trace.DemoChains(0)) != 0 || len(trace.DemoChains(-1)) != 0 {
		t.Error("iterator did not stop or DemoChains(<=0) not empty")
	}
}

func BenchmarkGeneratorChain(b *testing.B) {
	g := trace.NewGenerator(trace.DemoSeed)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g.Chain(i % 100000)
		i++
	}
}
