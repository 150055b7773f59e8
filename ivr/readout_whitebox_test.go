package ivr

import (
	"strings"
	"testing"
	"time"

	"tracecall/trace"
)

// readoutText composes the readout of c in lang and fills every phrase.
func readoutText(t *testing.T, c trace.Chain, lang string) string {
	t.Helper()
	cfg := testPrompts(t)
	r := &run{v: &IVR{cfg: cfg, deps: Deps{Location: time.FixedZone("CST", 8*3600)}}, lang: lang}
	var parts []string
	for _, p := range r.readout(c) {
		tmpl, ok := cfg.Prompts[lang][p.name]
		if !ok {
			t.Fatalf("readout uses prompt %q that %s lacks", p.name, lang)
		}
		parts = append(parts, fill(tmpl, p.vars))
	}
	return strings.Join(parts, "\n")
}

func TestReadoutNeverSaysForbiddenFields(t *testing.T) {
	g := trace.NewGenerator(trace.DemoSeed)
	for i := range 300 {
		c := g.Chain(i)
		for _, lang := range []string{"zh", "en"} {
			text := readoutText(t, c, lang)
			for _, e := range c.Events {
				if e.VehiclePlate != "" && strings.Contains(text, e.VehiclePlate) {
					t.Errorf("chain %d (%s): says the vehicle plate %q", i, lang, e.VehiclePlate)
				}
				if e.Operator != nil && e.Operator.RegID != "" && strings.Contains(text, e.Operator.RegID) {
					t.Errorf("chain %d (%s): says a registration number", i, lang)
				}
				if e.Type == trace.EventSlaughterSale || e.Type == trace.EventWholesaleSale {
					if e.Counterparty != nil && e.Counterparty.Name != "" && !suppliesRetail(c, e.Counterparty.Name) && strings.Contains(text, e.Counterparty.Name) {
						t.Errorf("chain %d (%s): names the buyer %q", i, lang, e.Counterparty.Name)
					}
				}
				for _, cert := range e.Certificates {
					if len(cert.Number) >= 6 && strings.Contains(text, cert.Number) {
						t.Errorf("chain %d (%s): reads certificate number %q unasked", i, lang, cert.Number)
					}
				}
			}
			// No price is read at all: upstream prices never, and the caller's own
			// price only on request (a later menu).
			if strings.Contains(text, "元") || strings.Contains(strings.ToLower(text), "yuan") {
				t.Errorf("chain %d: says a price: %s", i, text)
			}
		}
	}
}

// suppliesRetail reports whether name is the supplier named on the retail entry,
// which the readout may say.
func suppliesRetail(c trace.Chain, name string) bool {
	for _, e := range c.Events {
		if (e.Type == trace.EventRetailEntry || e.Type == trace.EventWholesaleEntry) && e.Counterparty != nil && e.Counterparty.Name == name {
			return true
		}
		if e.Operator != nil && e.Operator.Name == name {
			return true
		}
	}
	return false
}

func TestReadoutOrderAndMissingHops(t *testing.T) {
	g := trace.NewGenerator(trace.DemoSeed)
	pork := readoutText(t, g.Chain(trace.DemoPorkIndex), "zh")
	order := []string{"尾号零四二五", "商品：猪肉", "摊位号B幺二", "王摊主", "该商品于", "批发环节", "屠宰环节", "检疫合格、肉品品质检验合格", "产地：山东省烟台市芝罘区"}
	at := -1
	for _, want := range order {
		i := strings.Index(pork, want)
		if i < 0 || i < at {
			t.Fatalf("readout lacks %q or says it out of the spec §6 order:\n%s", want, pork)
		}
		at = i
	}
	if !strings.Contains(pork, "零点八六公斤") || !strings.Contains(pork, "二零二四年三月十五日") {
		t.Errorf("weight or date not spoken in Chinese:\n%s", pork)
	}
	failed := readoutText(t, g.Chain(trace.DemoFailedIndex), "zh")
	if !strings.Contains(failed, "不合格") {
		t.Errorf("failed chain does not say so:\n%s", failed)
	}
	missing := 0
	for i := range 40 {
		c := g.Chain(i)
		if c.Complete {
			continue
		}
		text := readoutText(t, c, "zh")
		for _, h := range c.MissingHops {
			want := map[trace.Hop]string{trace.HopWholesale: "暂无批发环节信息", trace.HopSlaughter: "暂无屠宰环节信息",
				trace.HopOrigin: "暂无产地信息", trace.HopRetail: "暂无零售环节信息"}[h]
			if !strings.Contains(text, want) {
				t.Errorf("chain %d misses %s but the readout does not say %q:\n%s", i, h, want, text)
			}
			missing++
		}
	}
	if missing == 0 {
		t.Fatal("no incomplete chain among the first 40 demo chains")
	}
}

func TestSpokenForms(t *testing.T) {
	tests := []struct{ got, want string }{
		{spellDigits("zh", "31011"), "三幺零幺幺"},
		{spellDigits("en", "310"), "3 1 0"},
		{spellGroups("zh", "123456"), "幺二三四，五六"},
		{zhNumber(15), "十五"},
		{zhNumber(102), "一百零二"},
		{zhNumber(2024), "二千零二十四"},
		{sayDecimal("zh", 0.86), "零点八六"},
		{sayDecimal("zh", 12.5), "十二点五"},
		{sayWeight("en", 1), "1 kilogram"},
		{sayDate("zh", time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)), "二零二四年三月十五日"},
		{sayDateTime("zh", time.Date(2024, 3, 15, 9, 12, 0, 0, time.UTC)), "二零二四年三月十五日上午九点十二分"},
		{sayDateTime("zh", time.Date(2024, 3, 15, 15, 0, 0, 0, time.UTC)), "二零二四年三月十五日下午三点"},
		{fill("{a}和{b}{c}", map[string]string{"a": "1", "b": "2"}), "1和2{c}"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
