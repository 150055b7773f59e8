package ivr

import (
	"context"
	"strings"
	"unicode/utf8"

	"tracecall/trace"
)

// readChain says what the chain says, in the order of the trace-data spec §6:
// the purchase, the retail entry, wholesale, slaughter, origin. It never reads
// upstream prices, buyers, vehicle plates, ID or phone numbers, or sample ids.
func (r *run) readChain(ctx context.Context, c trace.Chain) error {
	return r.sayAll(ctx, r.readout(c))
}

// readout composes the phrases of a chain; it is pure so that tests can check
// what is and is not said.
func (r *run) readout(c trace.Chain) []phrase {
	lang := r.lang
	var out []phrase
	add := func(name string, vars map[string]string) { out = append(out, phrase{name, vars}) }
	missing := map[trace.Hop]bool{}
	for _, h := range c.MissingHops {
		missing[h] = true
	}
	tail := c.TraceCode
	if len(tail) > 4 {
		tail = tail[len(tail)-4:]
	}
	add("read_confirm", map[string]string{"tail": spellDigits(lang, tail)})

	// 1. The purchase.
	if sale := findEvent(c, trace.EventRetailSale); sale != nil {
		add("read_sale", map[string]string{
			"product":  productName(lang, sale.Goods),
			"weight":   sayWeight(lang, sale.WeightKg),
			"when":     sayDateTime(lang, sale.At.In(r.v.deps.Location)),
			"place":    placeName(lang, sale),
			"operator": operatorName(lang, sale.Operator),
		})
	} else {
		add("missing_retail", nil)
	}
	// 2. Retail entry.
	if in := findEvent(c, trace.EventRetailEntry); in != nil {
		add("read_retail_entry", map[string]string{
			"date":     sayDate(lang, in.At.In(r.v.deps.Location)),
			"place":    in.Node.Name,
			"supplier": partyName(in),
		})
	}
	// 3. Wholesale.
	wsIn := findEvent(c, trace.EventWholesaleEntry)
	if wsIn == nil {
		wsIn = findEvent(c, trace.EventWholesaleSale)
	}
	if wsIn != nil {
		wholesaler := ""
		if wsIn.Operator != nil {
			wholesaler = operatorName(lang, wsIn.Operator)
		} else if wsIn.Counterparty != nil {
			wholesaler = wsIn.Counterparty.Name
		}
		add("read_wholesale", map[string]string{
			"market":     wsIn.Node.Name,
			"date":       sayDate(lang, wsIn.At.In(r.v.deps.Location)),
			"wholesaler": wholesaler,
		})
		if t := findEvent(c, trace.EventWholesaleTest); t != nil {
			add("read_test", map[string]string{
				"result": sayResult(lang, eventResult(t)),
				"date":   sayDate(lang, t.At.In(r.v.deps.Location)),
			})
		}
	} else if missing[trace.HopWholesale] {
		add("missing_wholesale", nil)
	}
	// 4. Slaughter (meat only).
	slaughter := findEvent(c, trace.EventSlaughterSale)
	if slaughter == nil {
		slaughter = findEvent(c, trace.EventSlaughterEntry)
	}
	if slaughter != nil {
		res := trace.ResultPass
		if insp := findEvent(c, trace.EventSlaughterInspection); insp != nil {
			res = eventResult(insp)
		}
		add("read_slaughter", map[string]string{
			"name":   slaughter.Node.Name,
			"date":   sayDate(lang, slaughter.At.In(r.v.deps.Location)),
			"result": saySlaughterResult(lang, res),
		})
	} else if missing[trace.HopSlaughter] {
		add("missing_slaughter", nil)
	}
	// 5. Origin.
	origin, farm := originOf(c)
	switch {
	case origin != "":
		add("read_origin", map[string]string{"origin": origin})
	case missing[trace.HopOrigin]:
		add("missing_origin", nil)
	}
	if farm != "" {
		add("read_farm", map[string]string{"farm": farm})
	}
	if chainFailed(c) {
		add("failed_result", nil)
	}
	return out
}

// readCertificates reads the certificate numbers of the last chain digit by digit.
func (r *run) readCertificates(ctx context.Context) error {
	if r.chain == nil {
		return r.prompt(ctx, "no_certificates", nil, true)
	}
	var ps []phrase
	seen := map[string]bool{}
	for _, e := range r.chain.Events {
		for _, cert := range e.Certificates {
			if !speakableCert(cert.Kind) || seen[cert.Number] {
				continue
			}
			seen[cert.Number] = true
			ps = append(ps, phrase{"certificate", map[string]string{
				"kind":   certName(r.lang, cert.Kind),
				"number": spellDigits(r.lang, cert.Number),
			}})
		}
	}
	if len(ps) == 0 {
		return r.prompt(ctx, "no_certificates", nil, true)
	}
	return r.sayAll(ctx, ps)
}

// speakableCert says which certificates are read on request (spec §6 item 6);
// test sample ids are not.
func speakableCert(k trace.CertKind) bool {
	switch k {
	case trace.CertAnimalQuarantine, trace.CertProductQuarantine, trace.CertMeatInspection,
		trace.CertOriginProof, trace.CertVegTest, trace.CertEdibleAgri:
		return true
	}
	return false
}

func certName(lang string, k trace.CertKind) string {
	zh := map[trace.CertKind]string{
		trace.CertAnimalQuarantine:  "动物检疫合格证明",
		trace.CertProductQuarantine: "动物产品检疫合格证",
		trace.CertMeatInspection:    "肉品品质检验合格证",
		trace.CertOriginProof:       "产地证明",
		trace.CertVegTest:           "蔬菜检测合格证",
		trace.CertEdibleAgri:        "食用农产品合格证",
	}
	en := map[trace.CertKind]string{
		trace.CertAnimalQuarantine:  "Animal quarantine certificate",
		trace.CertProductQuarantine: "Animal product quarantine certificate",
		trace.CertMeatInspection:    "Meat quality inspection certificate",
		trace.CertOriginProof:       "Certificate of origin",
		trace.CertVegTest:           "Vegetable test certificate",
		trace.CertEdibleAgri:        "Edible farm produce certificate",
	}
	if lang == "zh" {
		return zh[k]
	}
	return en[k]
}

func findEvent(c trace.Chain, t trace.EventType) *trace.Event {
	for i := len(c.Events) - 1; i >= 0; i-- {
		if c.Events[i].Type == t {
			return &c.Events[i]
		}
	}
	return nil
}

func productName(lang string, p *trace.Product) string {
	if p == nil {
		return ""
	}
	if p.Part != "" && !strings.Contains(p.GoodsName, p.Part) {
		if lang == "zh" {
			return p.GoodsName + p.Part
		}
		return p.GoodsName + ", " + p.Part
	}
	return p.GoodsName
}

// placeName is the market or shop with its stall number read out.
func placeName(lang string, e *trace.Event) string {
	name := e.Node.Name
	if e.Operator == nil || e.Operator.StallNo == "" {
		return name
	}
	if lang == "zh" {
		return name + "，摊位号" + spellDigits(lang, e.Operator.StallNo)
	}
	return name + ", stall " + spellDigits(lang, e.Operator.StallNo)
}

// operatorName names an operator; an individual (个体户) only by surname, as
// 王摊主, never in full.
func operatorName(lang string, o *trace.Operator) string {
	if o == nil {
		return ""
	}
	if o.Nature == trace.NatureIndividual {
		surname, _ := utf8.DecodeRuneInString(o.Name)
		if surname == utf8.RuneError {
			return ""
		}
		if lang == "zh" {
			return string(surname) + "摊主"
		}
		return "stall holder " + string(surname)
	}
	return o.Name
}

// partyName is the supplier named on an entry event.
func partyName(e *trace.Event) string {
	if e.Counterparty != nil {
		return e.Counterparty.Name
	}
	return ""
}

func eventResult(e *trace.Event) trace.Result {
	res := trace.ResultUnknown
	for _, c := range e.Certificates {
		switch c.Result {
		case trace.ResultFail:
			return trace.ResultFail
		case trace.ResultPass:
			res = trace.ResultPass
		}
	}
	return res
}

func chainFailed(c trace.Chain) bool {
	for _, e := range c.Events {
		if eventResult(&e) == trace.ResultFail {
			return true
		}
	}
	return false
}

func sayResult(lang string, r trace.Result) string {
	switch {
	case lang == "zh" && r == trace.ResultPass:
		return "合格"
	case lang == "zh" && r == trace.ResultFail:
		return "不合格"
	case lang == "zh":
		return "结果未知"
	case r == trace.ResultPass:
		return "passed"
	case r == trace.ResultFail:
		return "failed"
	}
	return "result unknown"
}

func saySlaughterResult(lang string, r trace.Result) string {
	switch {
	case lang == "zh" && r == trace.ResultFail:
		return "检疫或肉品品质检验不合格"
	case lang == "zh":
		return "检疫合格、肉品品质检验合格"
	case r == trace.ResultFail:
		return "quarantine or meat inspection failed"
	}
	return "quarantine and meat inspection passed"
}

// originOf finds where the goods came from: the region name (from the region table
// when the code is known) and the farm or production base.
func originOf(c trace.Chain) (origin, farm string) {
	for _, e := range c.Events {
		if origin == "" {
			if e.OriginName != "" {
				origin = e.OriginName
			} else if e.OriginRegion != "" {
				origin = trace.RegionFullName(e.OriginRegion)
			}
		}
		if farm == "" && e.FarmName != "" {
			farm = e.FarmName
		}
	}
	return origin, farm
}
