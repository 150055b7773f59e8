package trace_test

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"tracecall/trace"
)

var demoOpts = trace.Options{CheckDigit: true}

// clone deep-copies a chain through its JSON form.
func clone(t testing.TB, c trace.Chain) trace.Chain {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var out trace.Chain
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestValidate(t *testing.T) {
	pork := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex)
	tests := []struct {
		name   string
		mutate func(c *trace.Chain)
		o      trace.Options
		want   string // the full error text; "" for valid
	}{
		{"valid", func(c *trace.Chain) {}, demoOpts, ""},
		{"valid without check digits", func(c *trace.Chain) {}, trace.Options{}, ""},
		{"inferred kind", func(c *trace.Chain) { c.CodeKind = "" }, demoOpts, ""},
		{"missing at", func(c *trace.Chain) { c.Events[2].At = time.Time{} }, demoOpts, "events[2].at: missing"},
		{"missing trace code", func(c *trace.Chain) { c.TraceCode = "" }, demoOpts, "traceCode: missing"},
		{"bad check digit", func(c *trace.Chain) { c.TraceCode = "11010600524031500420" }, demoOpts,
			"traceCode: bad check digit: last digit 0, want 5"},
		{"not normalised", func(c *trace.Chain) { c.TraceCode = "1101 0600 5240 3150 0425" }, demoOpts,
			`traceCode: not in normal form, want "11010600524031500425"`},
		{"unknown kind", func(c *trace.Chain) { c.CodeKind = "vin" }, demoOpts, `codeKind: unknown kind "vin"`},
		{"no events", func(c *trace.Chain) { c.Events = nil }, demoOpts, "events: none"},
		{"duplicate event id", func(c *trace.Chain) { c.Events[3].ID = c.Events[1].ID }, demoOpts,
			"events[3].eventId: duplicate of events[1]"},
		{"unknown type", func(c *trace.Chain) { c.Events[0].Type = "harvest" }, demoOpts,
			`events[0].type: unknown event type "harvest"`},
		{"node code", func(c *trace.Chain) { c.Events[0].Node.Code = "37060200" }, demoOpts,
			"events[0].node.nodeCode: too short: 8 digits, want 9"},
		{"node region", func(c *trace.Chain) { c.Events[0].Node.RegionCode = "370681" }, demoOpts,
			"events[0].node.regionCode: 370681 does not match nodeCode 370602001"},
		{"node type", func(c *trace.Chain) { c.Events[1].Node.Type = 9 }, demoOpts, "events[1].node.nodeType: 9, want 1 to 6"},
		{"operator code", func(c *trace.Chain) { c.Events[6].Operator.Code = "110106005001" }, demoOpts,
			"events[6].operator.operatorCode: too short: 12 digits, want 13"},
		{"operator nature", func(c *trace.Chain) { c.Events[6].Operator.Nature = "公司" }, demoOpts,
			`events[6].operator.nature: "公司", want 企业 or 个体户`},
		{"negative weight", func(c *trace.Chain) { c.Events[6].WeightKg = -1 }, demoOpts, "events[6].weightKg: negative: -1"},
		{"NaN price", func(c *trace.Chain) { c.Events[6].UnitPrice = math.NaN() }, demoOpts, "events[6].unitPrice: not a finite number"},
		{"goods category", func(c *trace.Chain) { c.Events[6].Goods.Category = "fish" }, demoOpts,
			`events[6].goods.category: "fish", want meat, veg or other`},
		{"goods name", func(c *trace.Chain) { c.Events[6].Goods.GoodsName = "" }, demoOpts, "events[6].goods.goodsName: missing"},
		{"input ref", func(c *trace.Chain) { c.Events[6].InputRefs = []string{"a|b"} }, demoOpts,
			"events[6].inputRefs[0]: not a voucher or certificate number: want 0-9, A-Z, a-z or '-'"},
		{"ear tag", func(c *trace.Chain) { c.Events[0].EarTags = append(c.Events[0].EarTags, "537060200012345") }, demoOpts,
			"events[0].earTags[1]: bad format: species digit 5, want 1 (pig), 2 (cattle) or 3 (sheep/goat)"},
		{"certificate number", func(c *trace.Chain) { c.Events[0].Certificates[0].Number = "37060" }, demoOpts,
			"events[0].certificates[0].number: too short: 5 characters, want 6 to 32"},
		{"certificate result", func(c *trace.Chain) { c.Events[0].Certificates[0].Result = "" }, demoOpts,
			"events[0].certificates[0].result: missing"},
		{"certificate issuer bar", func(c *trace.Chain) { c.Events[0].Certificates[0].Issuer = "A|B" }, demoOpts,
			"events[0].certificates[0].issuer: contains '|', the list separator"},
		{"origin region", func(c *trace.Chain) { c.Events[0].OriginRegion = "990000" }, demoOpts,
			"events[0].originRegion: bad region: region 990000 names no province"},
		{"control character", func(c *trace.Chain) { c.Events[0].FarmName = "福源\n养殖场" }, demoOpts,
			"events[0].farmName: contains a control character"},
		{"counterparty name", func(c *trace.Chain) { c.Events[0].Counterparty.Name = "" }, demoOpts,
			"events[0].counterparty.name: missing"},
		{"two problems", func(c *trace.Chain) { c.Events[2].At = time.Time{}; c.Events[4].HeadCount = -2 }, demoOpts,
			"events[2].at: missing; events[4].headCount: negative: -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clone(t, pork)
			tt.mutate(&c)
			err := c.Validate(tt.o)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Validate error = %v\n want %s", err, tt.want)
			}
			var fe *trace.FieldError
			if !errors.As(err, &fe) {
				t.Errorf("errors.As(%T, *FieldError) failed", err)
			}
		})
	}
}

func TestValidateManyProblems(t *testing.T) {
	c := clone(t, trace.DemoChains(1)[0])
	for i := range c.Events {
		c.Events[i].At = time.Time{}
		c.Events[i].ID = ""
	}
	err := c.Validate(demoOpts)
	var ve *trace.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 14 {
		t.Fatalf("Validate = %v, want 14 problems", err)
	}
	if !strings.HasSuffix(err.Error(), "; and 4 more") {
		t.Errorf("error text does not end with the count of hidden problems: %s", err)
	}
}

func TestNormalise(t *testing.T) {
	want := trace.DemoChains(1)[0]
	c := clone(t, want)
	slices.Reverse(c.Events)
	c.Complete, c.MissingHops = false, []trace.Hop{trace.HopOrigin}
	c.Normalise()
	if got, want := ids(c), ids(want); !slices.Equal(got, want) {
		t.Errorf("event order = %v, want %v", got, want)
	}
	if !c.Complete || c.MissingHops != nil {
		t.Errorf("Complete = %v, MissingHops = %v; want true, nil", c.Complete, c.MissingHops)
	}

	// Same type: ordered by time.
	c = clone(t, want)
	extra := c.Events[6]
	extra.ID, extra.At = "late", extra.At.Add(time.Hour)
	early := c.Events[6]
	early.ID, early.At = "early", early.At.Add(-time.Minute)
	c.Events = append([]trace.Event{extra}, append(c.Events, early)...)
	c.Normalise()
	if got := ids(c)[6:]; !slices.Equal(got, []string{"early", want.Events[6].ID, "late"}) {
		t.Errorf("retail sales in order %v", got)
	}
}

func ids(c trace.Chain) []string {
	var out []string
	for _, e := range c.Events {
		out = append(out, e.ID)
	}
	return out
}

func TestMissingHops(t *testing.T) {
	pork := trace.DemoChains(1)[0]
	veg := trace.DemoChains(2)[1]
	drop := func(c trace.Chain, types ...trace.EventType) trace.Chain {
		c = clone(t, c)
		c.Events = slices.DeleteFunc(c.Events, func(e trace.Event) bool { return slices.Contains(types, e.Type) })
		return c
	}
	tests := []struct {
		name string
		c    trace.Chain
		want []trace.Hop
	}{
		{"pork complete", pork, nil},
		{"pork without wholesale", drop(pork, trace.EventWholesaleEntry, trace.EventWholesaleSale), []trace.Hop{trace.HopWholesale}},
		{"pork without slaughter", drop(pork, trace.EventSlaughterEntry, trace.EventSlaughterInspection, trace.EventSlaughterSale),
			[]trace.Hop{trace.HopOrigin, trace.HopSlaughter}},
		{"pork without retail", drop(pork, trace.EventRetailEntry, trace.EventRetailSale), []trace.Hop{trace.HopRetail}},
		{"veg complete", veg, nil},
		{"veg without wholesale", drop(veg, trace.EventWholesaleEntry, trace.EventWholesaleTest, trace.EventWholesaleSale),
			[]trace.Hop{trace.HopWholesale}},
		{"veg without origin", func() trace.Chain {
			c := drop(veg, trace.EventWholesaleEntry)
			for i := range c.Events {
				c.Events[i].OriginRegion, c.Events[i].OriginName, c.Events[i].Certificates = "", "", nil
			}
			return c
		}(), []trace.Hop{trace.HopOrigin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.Normalise()
			if !slices.Equal(c.MissingHops, tt.want) || c.Complete != (len(tt.want) == 0) {
				t.Errorf("MissingHops = %v, Complete = %v; want %v", c.MissingHops, c.Complete, tt.want)
			}
		})
	}
}

func TestChainHelpers(t *testing.T) {
	cs := trace.DemoChains(8)
	pork, veg, failed := cs[trace.DemoPorkIndex], cs[trace.DemoVegIndex], cs[trace.DemoFailedIndex]

	sale := pork.RetailSale()
	if sale == nil || sale.OutputRef != trace.DemoPorkCode || sale.Operator.StallNo != "B-12" {
		t.Fatalf("RetailSale = %+v", sale)
	}
	if p := pork.Product(); p == nil || p.GoodsName != "猪肉" || p.Part != "前腿肉" || pork.Category() != trace.CategoryMeat {
		t.Errorf("Product = %+v, Category = %s", p, pork.Category())
	}
	if p := veg.Product(); p == nil || p.GoodsName != "大白菜" || veg.Category() != trace.CategoryVeg {
		t.Errorf("veg Product = %+v", p)
	}
	if e := pork.First(trace.EventSlaughterEntry); e == nil || e.Node.Name != "烟台鲁东肉类加工有限公司" {
		t.Errorf("First(slaughterEntry) = %+v", e)
	}
	if pork.Last(trace.EventGroupEntry) != nil {
		t.Error("Last(groupEntry) found an event")
	}

	var numbers []string
	for _, c := range pork.Certificates() {
		numbers = append(numbers, c.Number)
	}
	if want := []string{"3706001234", "370602240313001", "RZ202403130015", "SLJ240313003"}; !slices.Equal(numbers, want) {
		t.Errorf("Certificates = %v, want %v", numbers, want)
	}

	for i, c := range cs {
		if got := c.HasFailedResult(); got != (i == trace.DemoFailedIndex) {
			t.Errorf("chain %d HasFailedResult = %v", i, got)
		}
	}
	var results []trace.Result
	for _, c := range failed.Certificates() {
		if c.Kind == trace.CertVegTest {
			results = append(results, c.Result)
		}
	}
	if !slices.Equal(results, []trace.Result{trace.ResultFail}) {
		t.Errorf("failed chain vegTest results = %v", results)
	}

	empty := trace.Chain{}
	if empty.RetailSale() != nil || empty.Product() != nil || empty.Category() != trace.CategoryOther || empty.HasFailedResult() {
		t.Error("helpers on an empty chain")
	}
}
