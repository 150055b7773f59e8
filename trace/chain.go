package trace

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// eventRank is the position of an event type on the way origin → retail; unknown
// types sort last.
func eventRank(t EventType) int {
	switch t {
	case EventSlaughterEntry:
		return 0
	case EventSlaughterInspection:
		return 1
	case EventSlaughterSale:
		return 2
	case EventWholesaleEntry:
		return 3
	case EventWholesaleTest:
		return 4
	case EventWholesaleSale:
		return 5
	case EventRetailEntry, EventGroupEntry:
		return 6
	case EventRetailSale:
		return 7
	}
	return 8
}

// hopOf is the hop an event type belongs to, "" for unknown types.
func hopOf(t EventType) Hop {
	switch t {
	case EventSlaughterEntry, EventSlaughterInspection, EventSlaughterSale:
		return HopSlaughter
	case EventWholesaleEntry, EventWholesaleTest, EventWholesaleSale:
		return HopWholesale
	case EventRetailEntry, EventRetailSale, EventGroupEntry:
		return HopRetail
	}
	return ""
}

// Normalise puts the chain in its stored form: events sorted origin → retail by
// type (slaughter, wholesale, retail, each entry before sale) and then by time,
// stable for ties; Complete and MissingHops computed from the events. The hops
// expected depend on Category:
//
//   - meat: origin (ear tags or a farm on any event, or an animal quarantine
//     certificate on slaughterEntry), slaughter, wholesale, retail;
//   - veg: origin (originRegion, originName, farmName or an origin proof on any
//     event), wholesale, retail;
//   - other: origin (as veg), retail.
func (c *Chain) Normalise() {
	slices.SortStableFunc(c.Events, func(a, b Event) int {
		if r := cmp.Compare(eventRank(a.Type), eventRank(b.Type)); r != 0 {
			return r
		}
		return a.At.Compare(b.At)
	})
	c.MissingHops = nil
	has := map[Hop]bool{}
	meat := c.Category() == CategoryMeat
	for i := range c.Events {
		e := &c.Events[i]
		if h := hopOf(e.Type); h != "" {
			has[h] = true
		}
		if len(e.EarTags) > 0 || e.FarmName != "" {
			has[HopOrigin] = true
		}
		for _, cert := range e.Certificates {
			if meat && e.Type == EventSlaughterEntry && cert.Kind == CertAnimalQuarantine ||
				!meat && cert.Kind == CertOriginProof {
				has[HopOrigin] = true
			}
		}
		if !meat && (e.OriginRegion != "" || e.OriginName != "") {
			has[HopOrigin] = true
		}
	}
	want := []Hop{HopOrigin, HopRetail}
	switch c.Category() {
	case CategoryMeat:
		want = []Hop{HopOrigin, HopSlaughter, HopWholesale, HopRetail}
	case CategoryVeg:
		want = []Hop{HopOrigin, HopWholesale, HopRetail}
	}
	for _, h := range want {
		if !has[h] {
			c.MissingHops = append(c.MissingHops, h)
		}
	}
	c.Complete = len(c.MissingHops) == 0
}

// RetailSale returns the last retail sale event, or nil.
func (c *Chain) RetailSale() *Event {
	return c.Last(EventRetailSale)
}

// First returns the first event of type t, or nil.
func (c *Chain) First(t EventType) *Event {
	for i := range c.Events {
		if c.Events[i].Type == t {
			return &c.Events[i]
		}
	}
	return nil
}

// Last returns the last event of type t, or nil.
func (c *Chain) Last(t EventType) *Event {
	for i := len(c.Events) - 1; i >= 0; i-- {
		if c.Events[i].Type == t {
			return &c.Events[i]
		}
	}
	return nil
}

// Product returns what the consumer bought: the goods of the retail sale, else
// the goods of the latest event that has any, else nil.
func (c *Chain) Product() *Product {
	if e := c.RetailSale(); e != nil && e.Goods != nil {
		return e.Goods
	}
	for i := len(c.Events) - 1; i >= 0; i-- {
		if c.Events[i].Goods != nil {
			return c.Events[i].Goods
		}
	}
	return nil
}

// Category is the product's category; with no goods recorded it is meat when the
// chain has a slaughter hop and other otherwise.
func (c *Chain) Category() Category {
	if p := c.Product(); p != nil && p.Category != "" {
		return p.Category
	}
	for i := range c.Events {
		if hopOf(c.Events[i].Type) == HopSlaughter {
			return CategoryMeat
		}
	}
	return CategoryOther
}

// HasFailedResult reports whether any certificate or test on the chain failed.
// The IVR routes such a call to an agent.
func (c *Chain) HasFailedResult() bool {
	for i := range c.Events {
		for _, cert := range c.Events[i].Certificates {
			if cert.Result == ResultFail {
				return true
			}
		}
	}
	return false
}

// Certificates returns each certificate on the chain once (by kind and number),
// in event order. A certificate carried by several hops keeps its first record,
// except that a fail result anywhere wins.
func (c *Chain) Certificates() []Certificate {
	var out []Certificate
	for i := range c.Events {
	next:
		for _, cert := range c.Events[i].Certificates {
			for j := range out {
				if out[j].Kind == cert.Kind && out[j].Number == cert.Number {
					if cert.Result == ResultFail {
						out[j].Result = ResultFail
					}
					continue next
				}
			}
			out = append(out, cert)
		}
	}
	return out
}

// Validate checks every field of the chain and returns nil or a
// *ValidationError naming each field and problem, e.g. "events[2].at: missing".
// The trace code must be in normal form (as Parse returns it) for CodeKind, or for
// the inferred kind when CodeKind is empty. Validate does not require the events
// to be sorted; Normalise does that.
func (c *Chain) Validate(o Options) error {
	if ps := c.problems(o); len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

// checker collects problems for one chain.
type checker struct {
	o     Options
	event int
	ps    []*FieldError
}

func (k *checker) add(field, format string, args ...any) {
	k.ps = append(k.ps, &FieldError{Event: k.event, Field: field, Problem: fmt.Sprintf(format, args...)})
}

// code checks that v is a normalised code of kind want.
func (k *checker) code(field, v string, want Kind, required bool) {
	if v == "" {
		if required {
			k.add(field, "missing")
		}
		return
	}
	c, err := Parse(v, want, k.o)
	var ce *CodeError
	switch {
	case errors.As(err, &ce):
		k.add(field, "%s", ce.problem())
	case err != nil:
		k.add(field, "%v", err)
	case c.Value != v:
		k.add(field, "not in normal form, want %q", c.Value)
	}
}

// text checks a free-text field: valid UTF-8 without control characters, and
// without '|' when it is part of a CSV list.
func (k *checker) text(field, v string, required, listItem bool) {
	if v == "" {
		if required {
			k.add(field, "missing")
		}
		return
	}
	if !utf8.ValidString(v) {
		k.add(field, "not valid UTF-8")
		return
	}
	if strings.ContainsFunc(v, unicode.IsControl) {
		k.add(field, "contains a control character")
	}
	if listItem && strings.ContainsRune(v, '|') {
		k.add(field, "contains '|', the list separator")
	}
}

// maxRef bounds voucher and batch numbers; they share the certificate charset.
const maxRef = 64

func (k *checker) ref(field, v string) {
	switch {
	case v == "":
		k.add(field, "empty")
	case len(v) > maxRef:
		k.add(field, "%d characters, max %d", len(v), maxRef)
	case !certChars(v):
		k.add(field, "not a voucher or certificate number: want 0-9, A-Z, a-z or '-'")
	}
}

func (k *checker) number(field string, v float64) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		k.add(field, "not a finite number")
	case v < 0:
		k.add(field, "negative: %s", strconv.FormatFloat(v, 'f', -1, 64))
	}
}

func (c *Chain) problems(o Options) []*FieldError {
	k := &checker{o: o, event: -1}
	switch {
	case c.CodeKind == "":
		k.code("traceCode", c.TraceCode, "", true)
	case !c.CodeKind.known():
		k.add("codeKind", "unknown kind %q", string(c.CodeKind))
	default:
		k.code("traceCode", c.TraceCode, c.CodeKind, true)
	}
	k.text("sourcePlatform", c.SourcePlatform, false, false)
	if len(c.Events) == 0 {
		k.add("events", "none")
	}
	ids := make(map[string]int, len(c.Events))
	for i := range c.Events {
		k.event = i
		e := &c.Events[i]
		k.text("eventId", e.ID, true, false)
		if j, dup := ids[e.ID]; dup && e.ID != "" {
			k.add("eventId", "duplicate of events[%d]", j)
		} else {
			ids[e.ID] = i
		}
		switch {
		case e.Type == "":
			k.add("type", "missing")
		case eventRank(e.Type) > 7:
			k.add("type", "unknown event type %q", string(e.Type))
		}
		if e.At.IsZero() {
			k.add("at", "missing")
		}
		k.node(&e.Node)
		if op := e.Operator; op != nil {
			k.code("operator.operatorCode", op.Code, KindOperator, true)
			k.code("operator.nodeCode", op.NodeCode, KindNode, false)
			if op.NodeCode != "" && len(op.Code) == 13 && op.Code[:9] != op.NodeCode {
				k.add("operator.nodeCode", "%s does not match operatorCode %s", op.NodeCode, op.Code)
			}
			k.text("operator.name", op.Name, true, false)
			if op.Type < 0 || op.Type > 5 {
				k.add("operator.operatorType", "%d, want 1 to 5 (0 if not recorded)", op.Type)
			}
			if op.Nature != "" && op.Nature != NatureEnterprise && op.Nature != NatureIndividual {
				k.add("operator.nature", "%q, want %s or %s", op.Nature, NatureEnterprise, NatureIndividual)
			}
			k.text("operator.stallNo", op.StallNo, false, false)
			k.text("operator.regId", op.RegID, false, false)
		}
		if g := e.Goods; g != nil {
			k.text("goods.goodsCode", g.GoodsCode, false, false)
			k.text("goods.goodsName", g.GoodsName, true, false)
			switch g.Category {
			case CategoryMeat, CategoryVeg, CategoryOther:
			case "":
				k.add("goods.category", "missing")
			default:
				k.add("goods.category", "%q, want meat, veg or other", string(g.Category))
			}
			k.text("goods.part", g.Part, false, false)
			k.text("goods.unit", g.Unit, false, false)
		}
		k.number("weightKg", e.WeightKg)
		k.number("unitPrice", e.UnitPrice)
		if e.HeadCount < 0 {
			k.add("headCount", "negative: %d", e.HeadCount)
		}
		for j, r := range e.InputRefs {
			k.ref("inputRefs["+strconv.Itoa(j)+"]", r)
		}
		if e.OutputRef != "" {
			k.ref("outputRef", e.OutputRef)
		}
		if p := e.Counterparty; p != nil {
			if p.Code != "" {
				k.ref("counterparty.code", p.Code)
			}
			k.text("counterparty.name", p.Name, true, false)
		}
		k.code("originRegion", e.OriginRegion, KindRegion, false)
		k.text("originName", e.OriginName, false, false)
		k.text("farmName", e.FarmName, false, false)
		k.text("vehiclePlate", e.VehiclePlate, false, false)
		for j, cert := range e.Certificates {
			f := "certificates[" + strconv.Itoa(j) + "]."
			switch cert.Kind {
			case CertAnimalQuarantine, CertProductQuarantine, CertMeatInspection, CertOriginProof,
				CertVegTest, CertEdibleAgri, CertRactopamineTest:
			case "":
				k.add(f+"kind", "missing")
			default:
				k.add(f+"kind", "unknown certificate kind %q", string(cert.Kind))
			}
			k.code(f+"number", cert.Number, KindCertificate, true)
			k.text(f+"issuer", cert.Issuer, false, true)
			switch cert.Result {
			case ResultPass, ResultFail, ResultUnknown:
			case "":
				k.add(f+"result", "missing")
			default:
				k.add(f+"result", "%q, want pass, fail or unknown", string(cert.Result))
			}
		}
		for j, tag := range e.EarTags {
			k.code("earTags["+strconv.Itoa(j)+"]", tag, KindEarTag, true)
		}
	}
	return k.ps
}

func (k *checker) node(n *Node) {
	k.code("node.nodeCode", n.Code, KindNode, true)
	k.text("node.name", n.Name, true, false)
	if n.Type < NodeSlaughterhouse || n.Type > NodeOther {
		k.add("node.nodeType", "%d, want 1 to 6", n.Type)
	}
	k.code("node.regionCode", n.RegionCode, KindRegion, false)
	if n.RegionCode != "" && len(n.Code) == 9 && n.Code[:6] != n.RegionCode {
		k.add("node.regionCode", "%s does not match nodeCode %s", n.RegionCode, n.Code)
	}
	k.text("node.address", n.Address, false, false)
	k.text("node.servicePhone", n.ServicePhone, false, false)
}
