package trace

import (
	"fmt"
	"hash/fnv"
	"iter"
	"strconv"
	"strings"
	"time"
)

// Demo data. See the package doc ("# Demo data") for what the chains look like.
const (
	// DemoSeed is the seed DemoChains uses.
	DemoSeed int64 = 20240315

	// DemoPorkIndex is the pork chain of trace-data.md §7 (烟台 → 丰台 → 东安街
	// 菜市场 stall B-12, 前腿肉 0.86 kg, 2024-03-15 09:12), the same for every seed.
	DemoPorkIndex = 0
	// DemoPorkCode is its trace code: DemoCode("110106005", 2024-03-15, 42).
	DemoPorkCode = "11010600524031500425"

	// DemoVegIndex is the vegetable chain of trace-data.md §7 (寿光 大白菜 →
	// 丰台 wholesale → 佳和超市), the same for every seed.
	DemoVegIndex = 1
	// DemoVegCode is its trace code: DemoCode("110106012", 2024-03-15, 88).
	DemoVegCode = "11010601224031500881"

	// DemoFailedIndex is the only demo chain with a failed result: 芹菜 whose
	// pesticide-residue test (农残快检) at the wholesale market failed, still sold at
	// a Shanghai market. The same for every seed.
	DemoFailedIndex = 7
	// DemoFailedCode is its trace code: DemoCode("310115023", 2024-05-20, 7).
	DemoFailedCode = "31011502324052000078"

	// DemoMaxChains bounds i in Generator.Chain; trace codes are unique below it.
	DemoMaxChains = demoDays * 9900
)

// demoDays is the span of retail sale dates, from demoFirstDay.
const demoDays = 1080

// Generator makes demo chains deterministically: Chain(i) depends only on the
// seed and i. It is safe for concurrent use.
type Generator struct {
	seed int64
	loc  *time.Location
}

// NewGenerator returns a generator for seed.
func NewGenerator(seed int64) *Generator {
	// China has kept UTC+8 without daylight saving since 1991, so a fixed zone
	// is exact and needs no tzdata on the appliance.
	return &Generator{seed: seed, loc: time.FixedZone("CST", 8*3600)}
}

// DemoChains returns chains 0 to n-1 of NewGenerator(DemoSeed).
func DemoChains(n int) []Chain {
	g := NewGenerator(DemoSeed)
	out := make([]Chain, 0, max(n, 0))
	for c := range g.Chains(n) {
		out = append(out, c)
	}
	return out
}

// Chains yields Chain(0) to Chain(n-1), one at a time, so a million chains can be
// streamed to an encoder without holding them.
func (g *Generator) Chains(n int) iter.Seq[Chain] {
	return func(yield func(Chain) bool) {
		for i := range n {
			if !yield(g.Chain(i)) {
				return
			}
		}
	}
}

// Chain returns demo chain i, normalised and valid under Options{CheckDigit: true}.
// Even i are pork, odd i vegetables. Chains 0, 1 and 7 are fixed (DemoPorkIndex,
// DemoVegIndex, DemoFailedIndex). Chains with i%20 == 4 (pork) and i%20 == 13
// (vegetables) are incomplete, 10 % in all: pork alternately lacks the wholesale
// hop (sold by the slaughterhouse straight to the market) and the slaughter hop
// (which leaves its origin unknown too); vegetables lack the wholesale hop. The
// trace code is a DemoCode of the retail node, the sale date and a serial, unique
// for every i below DemoMaxChains. Chain panics for i outside [0, DemoMaxChains).
func (g *Generator) Chain(i int) Chain {
	if i < 0 || i >= DemoMaxChains {
		panic("trace: demo chain index " + strconv.Itoa(i) + " out of range")
	}
	switch i {
	case DemoPorkIndex:
		return g.fixedPork()
	case DemoVegIndex:
		return g.fixedVeg()
	case DemoFailedIndex:
		return g.fixedFailed()
	}
	r := newDemoRand(g.seed, uint64(i))
	q, rem := i/demoDays, i%demoDays
	day := g.date(2024, 1, 10).AddDate(0, 0, rem*389%demoDays)
	// For a given sale day (rem) the serial is a bijection of q, so (day, serial)
	// and with it the trace code is unique below DemoMaxChains.
	serial := 100 + (q*7919+rem*131+37)%9900
	city := pick(&r, demoCities)
	district := pick(&r, city.districts)
	if i%2 == 0 {
		skip := Hop("")
		if i%20 == 4 {
			skip = HopWholesale
			if i/20%2 == 1 {
				skip = HopSlaughter
			}
		}
		return g.randomPork(&r, city, district, day, serial, skip)
	}
	return g.randomVeg(&r, city, district, day, serial, i%20 == 13)
}

// date returns midnight of y-m-d in China time.
func (g *Generator) date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, g.loc)
}

func (g *Generator) at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, g.loc)
}

// porkPlan is everything that varies between pork chains.
type porkPlan struct {
	code     string
	skip     Hop // "", HopSlaughter or HopWholesale
	platform string
	syncedAt time.Time

	originRegion, farm, owner string
	earTags                   []string
	head                      int
	animalCert                string
	animalCertAt              time.Time
	animalCertBy              string

	slaughter                        Node
	entryAt, inspectAt, slaughterAt  time.Time
	productCert, meatCert, ractoCert string
	inspector                        string
	slaughterTran                    string
	carcassKg, carcassPrice          float64
	wholesale                        Node
	wholesaler                       Operator
	plate                            string
	wsEntryAt, wsSaleAt              time.Time
	wsTran                           string
	wsKg, wsPrice                    float64
	retail                           Node
	retailer                         Operator
	retailEntryAt, saleAt            time.Time
	cut                              string
	kg, price                        float64
}

func (p *porkPlan) chain() Chain {
	carcass := &Product{GoodsName: "猪肉（白条猪）", Category: CategoryMeat, Unit: "kg"}
	carried := []Certificate{
		{Kind: CertProductQuarantine, Number: p.productCert, Issuer: p.inspector, IssuedAt: p.inspectAt, Result: ResultPass},
		{Kind: CertMeatInspection, Number: p.meatCert, Issuer: p.slaughter.Name, IssuedAt: p.inspectAt, Result: ResultPass},
	}
	var ev []Event
	if p.skip != HopSlaughter {
		ev = append(ev,
			Event{Type: EventSlaughterEntry, Node: p.slaughter, At: p.entryAt, HeadCount: p.head,
				InputRefs: []string{p.animalCert}, Counterparty: &Party{Name: p.owner},
				OriginRegion: p.originRegion, OriginName: RegionFullName(p.originRegion), FarmName: p.farm,
				Certificates: []Certificate{{Kind: CertAnimalQuarantine, Number: p.animalCert,
					Issuer: p.animalCertBy, IssuedAt: p.animalCertAt, Result: ResultPass}},
				EarTags: p.earTags},
			Event{Type: EventSlaughterInspection, Node: p.slaughter, At: p.inspectAt, HeadCount: p.head,
				InputRefs: []string{p.animalCert},
				Certificates: append(append([]Certificate(nil), carried...),
					Certificate{Kind: CertRactopamineTest, Number: p.ractoCert, Issuer: p.inspector,
						IssuedAt: p.inspectAt, Result: ResultPass})},
		)
		buyer := p.wholesaler
		if p.skip == HopWholesale {
			buyer = p.retailer
		}
		ev = append(ev, Event{Type: EventSlaughterSale, Node: p.slaughter, At: p.slaughterAt, Goods: carcass,
			WeightKg: p.carcassKg, UnitPrice: p.carcassPrice, InputRefs: []string{p.productCert},
			OutputRef: p.slaughterTran, Counterparty: &Party{Code: buyer.Code, Name: buyer.Name},
			Certificates: carried})
	}
	upstream := p.slaughterTran
	supplier := &Party{Code: p.slaughter.Code, Name: p.slaughter.Name}
	lotKg := p.carcassKg
	if p.skip != HopWholesale {
		ev = append(ev,
			Event{Type: EventWholesaleEntry, Node: p.wholesale, Operator: op(p.wholesaler), At: p.wsEntryAt,
				Goods: carcass, WeightKg: p.carcassKg, UnitPrice: p.carcassPrice,
				InputRefs: []string{p.slaughterTran, p.productCert}, Counterparty: supplier,
				VehiclePlate: p.plate, Certificates: carried},
			Event{Type: EventWholesaleSale, Node: p.wholesale, Operator: op(p.wholesaler), At: p.wsSaleAt,
				Goods: carcass, WeightKg: p.wsKg, UnitPrice: p.wsPrice, InputRefs: []string{p.productCert},
				OutputRef: p.wsTran, Counterparty: &Party{Code: p.retailer.Code, Name: p.retailer.Name},
				Certificates: carried},
		)
		upstream = p.wsTran
		supplier = &Party{Code: p.wholesaler.Code, Name: p.wholesaler.Name}
		lotKg = p.wsKg
	}
	ev = append(ev,
		Event{Type: EventRetailEntry, Node: p.retail, Operator: op(p.retailer), At: p.retailEntryAt,
			Goods: carcass, WeightKg: lotKg, InputRefs: []string{upstream, p.productCert},
			Counterparty: supplier, Certificates: carried},
		Event{Type: EventRetailSale, Node: p.retail, Operator: op(p.retailer), At: p.saleAt,
			Goods:    &Product{GoodsName: "猪肉", Category: CategoryMeat, Part: p.cut, Unit: "kg"},
			WeightKg: p.kg, UnitPrice: p.price, InputRefs: []string{upstream}, OutputRef: p.code},
	)
	return finishDemo(p.code, p.platform, p.syncedAt, ev)
}

// vegPlan is everything that varies between vegetable chains.
type vegPlan struct {
	code          string
	skipWholesale bool
	platform      string
	syncedAt      time.Time

	veg                                *Product
	originRegion, farm, plate          string
	proof, proofBy                     string
	proofAt                            time.Time
	wholesale                          Node
	wholesaler                         Operator
	wsEntryAt, testAt, wsSaleAt        time.Time
	test                               string
	testResult                         Result
	wsTran                             string
	bulkKg, bulkPrice, lotKg, lotPrice float64
	retail                             Node
	retailer                           Operator
	retailEntryAt, saleAt              time.Time
	kg, price                          float64
}

func (p *vegPlan) chain() Chain {
	proof := Certificate{Kind: CertOriginProof, Number: p.proof, Issuer: p.proofBy, IssuedAt: p.proofAt, Result: ResultPass}
	origin := RegionFullName(p.originRegion)
	var ev []Event
	if p.skipWholesale {
		ev = append(ev, Event{Type: EventRetailEntry, Node: p.retail, Operator: op(p.retailer), At: p.retailEntryAt,
			Goods: p.veg, WeightKg: p.lotKg, UnitPrice: p.lotPrice, InputRefs: []string{p.proof},
			Counterparty: &Party{Name: p.farm}, OriginRegion: p.originRegion, OriginName: origin,
			FarmName: p.farm, VehiclePlate: p.plate, Certificates: []Certificate{proof}})
		p.wsTran = p.proof
	} else {
		test := Certificate{Kind: CertVegTest, Number: p.test, Issuer: p.wholesale.Name + "检测室",
			IssuedAt: p.testAt, Result: p.testResult}
		ev = append(ev,
			Event{Type: EventWholesaleEntry, Node: p.wholesale, Operator: op(p.wholesaler), At: p.wsEntryAt,
				Goods: p.veg, WeightKg: p.bulkKg, UnitPrice: p.bulkPrice, InputRefs: []string{p.proof},
				Counterparty: &Party{Name: p.farm}, OriginRegion: p.originRegion, OriginName: origin,
				FarmName: p.farm, VehiclePlate: p.plate, Certificates: []Certificate{proof}},
			Event{Type: EventWholesaleTest, Node: p.wholesale, Operator: op(p.wholesaler), At: p.testAt,
				Goods: p.veg, InputRefs: []string{p.proof}, Certificates: []Certificate{test}},
			Event{Type: EventWholesaleSale, Node: p.wholesale, Operator: op(p.wholesaler), At: p.wsSaleAt,
				Goods: p.veg, WeightKg: p.lotKg, UnitPrice: p.lotPrice, InputRefs: []string{p.proof},
				OutputRef: p.wsTran, Counterparty: &Party{Code: p.retailer.Code, Name: p.retailer.Name},
				Certificates: []Certificate{proof, test}},
			Event{Type: EventRetailEntry, Node: p.retail, Operator: op(p.retailer), At: p.retailEntryAt,
				Goods: p.veg, WeightKg: p.lotKg, UnitPrice: p.lotPrice, InputRefs: []string{p.wsTran, p.proof},
				Counterparty: &Party{Code: p.wholesaler.Code, Name: p.wholesaler.Name},
				OriginRegion: p.originRegion, OriginName: origin, Certificates: []Certificate{proof, test}},
		)
	}
	ev = append(ev, Event{Type: EventRetailSale, Node: p.retail, Operator: op(p.retailer), At: p.saleAt,
		Goods: p.veg, WeightKg: p.kg, UnitPrice: p.price, InputRefs: []string{p.wsTran}, OutputRef: p.code})
	return finishDemo(p.code, p.platform, p.syncedAt, ev)
}

func op(o Operator) *Operator { return &o }

// finishDemo numbers the events and normalises the chain.
func finishDemo(code, platform string, synced time.Time, ev []Event) Chain {
	for k := range ev {
		ev[k].ID = fmt.Sprintf("%s-%02d", code, k+1)
	}
	c := Chain{TraceCode: code, CodeKind: KindRetail, Events: ev, SyncedAt: synced,
		SourcePlatform: platform}
	c.Normalise()
	return c
}

func platformOf(city string) string { return city + "市肉菜流通追溯管理平台" }

// fixedPork is the pork chain of trace-data.md §7.
func (g *Generator) fixedPork() Chain {
	p := porkPlan{
		code:         DemoCode("110106005", g.date(2024, 3, 15), 42),
		platform:     platformOf("北京"),
		syncedAt:     g.at(2024, 3, 15, 9, 30),
		originRegion: "370602", farm: "芝罘区福源生猪养殖场", owner: "张某",
		earTags: []string{"137060200012345"}, head: 48,
		animalCert: "3706001234", animalCertAt: g.at(2024, 3, 13, 14, 0), animalCertBy: "芝罘区动物卫生监督所",
		slaughter:   demoFixedNodes["370602001"],
		entryAt:     g.at(2024, 3, 13, 22, 40),
		inspectAt:   g.at(2024, 3, 14, 2, 30),
		slaughterAt: g.at(2024, 3, 14, 4, 10),
		productCert: "370602240313001", meatCert: "RZ202403130015", ractoCert: "SLJ240313003",
		inspector:     "芝罘区动物卫生监督所",
		slaughterTran: "37060200124031400017", carcassKg: 86.4, carcassPrice: 23.6,
		wholesale:  demoFixedNodes["110106001"],
		wholesaler: demoFixedOperators["1101060010023"],
		plate:      "鲁F·A1234",
		wsEntryAt:  g.at(2024, 3, 14, 15, 20), wsSaleAt: g.at(2024, 3, 15, 5, 40),
		wsTran: "11010600124031500233", wsKg: 43.2, wsPrice: 26,
		retail:        demoFixedNodes["110106005"],
		retailer:      demoFixedOperators["1101060050012"],
		retailEntryAt: g.at(2024, 3, 15, 6, 30), saleAt: g.at(2024, 3, 15, 9, 12),
		cut: "前腿肉", kg: 0.86, price: 28,
	}
	return p.chain()
}

// fixedVeg is the vegetable chain of trace-data.md §7.
func (g *Generator) fixedVeg() Chain {
	p := vegPlan{
		code:         DemoCode("110106012", g.date(2024, 3, 15), 88),
		platform:     platformOf("北京"),
		syncedAt:     g.at(2024, 3, 15, 10, 40),
		veg:          &Product{GoodsName: "大白菜", Category: CategoryVeg, Unit: "kg"},
		originRegion: "370783", farm: "洛城街道蔬菜合作社", plate: "鲁G·C5678",
		proof: "SG20240312-0088", proofBy: "寿光市洛城街道农业综合服务中心", proofAt: g.at(2024, 3, 12, 16, 0),
		wholesale:  demoFixedNodes["110106001"],
		wholesaler: demoFixedOperators["1101060010056"],
		wsEntryAt:  g.at(2024, 3, 13, 3, 40), testAt: g.at(2024, 3, 13, 5, 10), wsSaleAt: g.at(2024, 3, 13, 7, 30),
		test: "JC2403130056", testResult: ResultPass,
		wsTran: "11010600124031300061",
		bulkKg: 2450, bulkPrice: 1.6, lotKg: 300, lotPrice: 1.9,
		retail:        demoFixedNodes["110106012"],
		retailer:      demoFixedOperators["1101060120000"],
		retailEntryAt: g.at(2024, 3, 13, 9, 20), saleAt: g.at(2024, 3, 15, 10, 26),
		kg: 2.35, price: 2.8,
	}
	return p.chain()
}

// fixedFailed is the vegetable chain whose wholesale test failed.
func (g *Generator) fixedFailed() Chain {
	p := vegPlan{
		code:         DemoCode("310115023", g.date(2024, 5, 20), 7),
		platform:     platformOf("上海"),
		syncedAt:     g.at(2024, 5, 20, 18, 5),
		veg:          &Product{GoodsCode: "01232202", GoodsName: "芹菜", Category: CategoryVeg, Unit: "kg"},
		originRegion: "370783", farm: "孙家集街道蔬菜合作社", plate: "鲁G·D2468",
		proof: "SG20240517-0131", proofBy: "寿光市孙家集街道农业综合服务中心", proofAt: g.at(2024, 5, 17, 15, 30),
		wholesale:  demoFixedNodes["310112001"],
		wholesaler: demoFixedOperators["3101120010031"],
		wsEntryAt:  g.at(2024, 5, 18, 2, 50), testAt: g.at(2024, 5, 18, 4, 20), wsSaleAt: g.at(2024, 5, 18, 6, 10),
		test: "JC2405180042", testResult: ResultFail,
		wsTran: "31011200124051800112",
		bulkKg: 1800, bulkPrice: 2.4, lotKg: 60, lotPrice: 2.9,
		retail:        demoFixedNodes["310115023"],
		retailer:      demoFixedOperators["3101150230007"],
		retailEntryAt: g.at(2024, 5, 18, 8, 0), saleAt: g.at(2024, 5, 20, 17, 45),
		kg: 0.95, price: 5.6,
	}
	return p.chain()
}

func (g *Generator) randomPork(r *demoRand, city demoCity, district string, day time.Time, serial int, skip Hop) Chain {
	o := pick(r, demoPorkOrigins)
	d := func(delta, hh, mm int) time.Time {
		return day.AddDate(0, 0, delta).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	p := porkPlan{skip: skip, platform: platformOf(city.name), originRegion: o.region, head: r.between(20, 60)}
	p.saleAt = d(0, r.between(7, 18), r.intn(60))
	p.retailEntryAt = d(0, 5, r.between(30, 59))
	p.wsSaleAt = d(0, r.between(3, 4), r.intn(60))
	p.wsEntryAt = d(-1, r.between(12, 18), r.intn(60))
	p.slaughterAt = d(-1, r.between(3, 4), r.intn(60))
	p.inspectAt = p.slaughterAt.Add(-time.Duration(r.between(60, 150)) * time.Minute)
	p.entryAt = d(-2, r.between(20, 23), r.intn(50))
	p.animalCertAt = d(-2, r.between(8, 15), r.intn(60))
	p.syncedAt = p.saleAt.Add(time.Duration(r.between(10, 240)) * time.Minute)

	p.slaughter = g.node(fmt.Sprintf("%s%03d", o.region, r.between(1, 3)), NodeSlaughterhouse, o.place, "")
	_, _, county, _ := RegionName(o.region)
	p.farm = county + pick(r, demoFarmWords) + "生猪养殖场"
	p.owner = pick(r, demoSurnames) + "某"
	for range r.between(1, 3) {
		p.earTags = append(p.earTags, "1"+o.region+digits(r, 8))
	}
	p.animalCert = o.region[:4] + digits(r, 6)
	p.animalCertBy = county + "动物卫生监督所"
	p.inspector = p.animalCertBy
	p.productCert = o.region + p.entryAt.Format("060102") + digits(r, 3)
	p.meatCert = "RZ" + p.entryAt.Format("20060102") + digits(r, 4)
	p.ractoCert = "SLJ" + p.entryAt.Format("060102") + digits(r, 3)
	p.slaughterTran = p.slaughter.Code + p.slaughterAt.Format("060102") + digits(r, 5)
	p.carcassKg = cents(r, 7500, 9500)
	carcassFen := r.between(2000, 2600)
	p.carcassPrice = float64(carcassFen) / 100

	p.wholesale = g.node(fmt.Sprintf("%s%03d", pick(r, city.districts), r.between(1, 2)), NodeWholesale, city.name, city.area)
	p.wholesaler = g.operator(p.wholesale, r.between(10, 99), OperatorWholesaler)
	p.plate = o.plate + "·" + string(rune('A'+r.intn(8))) + digits(r, 4)
	p.wsTran = p.wholesale.Code + p.wsSaleAt.Format("060102") + digits(r, 5)
	p.wsKg = float64(int(p.carcassKg*50+0.5)) / 100 // one half (片)
	p.wsPrice = float64(carcassFen+r.between(150, 350)) / 100

	p.retail, p.retailer = g.retailer(r, district, city)
	p.code = DemoCode(p.retail.Code, day, serial)
	cut := pick(r, demoCuts)
	p.cut = cut.name
	p.kg = cents(r, 30, 250)
	p.price = float64(min(max(cut.price+r.between(-200, 200), 2000), 4000)) / 100
	return p.chain()
}

func (g *Generator) randomVeg(r *demoRand, city demoCity, district string, day time.Time, serial int, skipWholesale bool) Chain {
	v := pick(r, demoVegs)
	o := demoVegOrigins[pick(r, v.origins)]
	d := func(delta, hh, mm int) time.Time {
		return day.AddDate(0, 0, delta).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	p := vegPlan{skipWholesale: skipWholesale, platform: platformOf(city.name), originRegion: o.region,
		veg: &Product{GoodsCode: v.code, GoodsName: v.name, Category: CategoryVeg, Unit: "kg"}}
	p.saleAt = d(0, r.between(8, 20), r.intn(60))
	p.proofAt = d(-3, r.between(14, 17), r.intn(60))
	p.wsEntryAt = d(-2, r.between(2, 4), r.intn(60))
	p.testAt = p.wsEntryAt.Add(time.Duration(r.between(60, 120)) * time.Minute)
	p.wsSaleAt = p.testAt.Add(time.Duration(r.between(60, 180)) * time.Minute)
	p.retailEntryAt = p.wsSaleAt.Add(time.Duration(r.between(60, 180)) * time.Minute)
	p.syncedAt = p.saleAt.Add(time.Duration(r.between(10, 240)) * time.Minute)

	_, city2, county, _ := RegionName(o.region)
	place := county
	if place == "" {
		place = city2
	}
	if r.intn(2) == 0 {
		p.farm = place + pick(r, demoFarmWords) + "蔬菜专业合作社"
	} else {
		p.farm = place + pick(r, demoFarmWords) + "蔬菜种植基地"
	}
	p.plate = o.plate + "·" + string(rune('A'+r.intn(8))) + digits(r, 4)
	p.proof = o.abbr + p.proofAt.Format("20060102") + "-" + digits(r, 4)
	p.proofBy = place + "农业农村局"
	p.test, p.testResult = "JC"+p.testAt.Format("060102")+digits(r, 4), ResultPass

	p.wholesale = g.node(fmt.Sprintf("%s%03d", pick(r, city.districts), r.between(1, 2)), NodeWholesale, city.name, city.area)
	p.wholesaler = g.operator(p.wholesale, r.between(10, 99), OperatorWholesaler)
	p.wsTran = p.wholesale.Code + p.wsSaleAt.Format("060102") + digits(r, 5)
	bulk := v.price * 2 / 5 // wholesale is about 40 % of retail
	p.bulkKg = float64(r.between(500, 5000))
	bulk += r.between(-bulk/10, bulk/10)
	p.bulkPrice = float64(bulk) / 100
	p.lotKg = float64(r.between(20, 300))
	p.lotPrice = float64(bulk+r.between(20, 60)) / 100

	p.retail, p.retailer = g.retailer(r, district, city)
	if skipWholesale {
		p.retailEntryAt = d(-1, r.between(5, 7), r.intn(60))
	}
	p.code = DemoCode(p.retail.Code, day, serial)
	p.kg = cents(r, 20, 300)
	p.price = float64(min(max(v.price+r.between(-v.price/7, v.price/7), 200), 1200)) / 100
	return p.chain()
}

// retailer picks the retail node (a market stall, or a supermarket one time in
// four) in district and its operator.
func (g *Generator) retailer(r *demoRand, district string, city demoCity) (Node, Operator) {
	if r.intn(4) == 0 {
		n := g.node(fmt.Sprintf("%s%03d", district, r.between(50, 70)), NodeSupermarket, city.name, city.area)
		return n, g.operator(n, 0, OperatorRetailer)
	}
	n := g.node(fmt.Sprintf("%s%03d", district, r.between(5, 40)), NodeMarket, city.name, city.area)
	return n, g.operator(n, r.between(1, 60), OperatorRetailer)
}

// keyed returns a generator stream that depends only on the seed and key, so a
// node or operator code always gets the same name.
func (g *Generator) keyed(key string) demoRand {
	h := fnv.New64a()
	h.Write([]byte(key))
	return newDemoRand(g.seed, h.Sum64())
}

// node returns the node with code; place names the town or city it is in and
// area is its telephone area code ("" for none).
func (g *Generator) node(code string, t NodeType, place, area string) Node {
	if n, ok := demoFixedNodes[code]; ok {
		return n
	}
	r := g.keyed("node " + code)
	region := code[:6]
	_, _, county, _ := RegionName(region)
	n := Node{Code: code, Type: t, RegionCode: region}
	switch t {
	case NodeSlaughterhouse:
		n.Name = place + pick(&r, demoBrands) + pick(&r, demoSlaughterSuffixes)
	case NodeWholesale:
		n.Name = place + pick(&r, demoMarketWords) + "农产品批发市场"
	case NodeSupermarket:
		short := strings.TrimSuffix(strings.TrimSuffix(county, "新区"), "区")
		n.Name = pick(&r, demoShopBrands) + "超市（" + short + "店）"
	default:
		n.Name = county + pick(&r, demoStreets) + "菜市场"
	}
	n.Address = RegionFullName(region) + pick(&r, demoStreets) + strconv.Itoa(r.between(1, 300)) + "号"
	if area != "" {
		n.ServicePhone = area + "-6" + digits(&r, 7)
	}
	return n
}

// operator returns the operator with serial at node n.
func (g *Generator) operator(n Node, serial int, t OperatorType) Operator {
	code := fmt.Sprintf("%s%04d", n.Code, serial)
	if o, ok := demoFixedOperators[code]; ok {
		return o
	}
	r := g.keyed("operator " + code)
	o := Operator{Code: code, NodeCode: n.Code, Type: t, Nature: NatureIndividual}
	switch {
	case serial == 0: // the supermarket itself
		o.Name, o.Nature = n.Name, NatureEnterprise
	case t == OperatorWholesaler && r.intn(3) == 0:
		o.Name, o.Nature = pick(&r, demoSurnames)+"记"+pick(&r, []string{"肉业", "蔬菜经营部", "农产品商行"}), NatureEnterprise
	default:
		o.Name = pick(&r, demoSurnames) + pick(&r, demoGivenNames)
	}
	if serial != 0 {
		o.StallNo = string(rune('A'+r.intn(6))) + "-" + strconv.Itoa(r.between(1, 60))
	}
	if o.Nature == NatureEnterprise {
		o.RegID = "91" + n.RegionCode + "******" + digits(&r, 4)
	} else {
		o.RegID = pick(&r, []string{"110105", "130681", "370783", "410102", "220122"}) + "********" + digits(&r, 4)
	}
	return o
}

// demoRand is splitmix64: small, fast and fixed forever, so golden files stay
// valid whatever math/rand does.
type demoRand struct{ s uint64 }

func newDemoRand(seed int64, stream uint64) demoRand {
	r := demoRand{s: uint64(seed)*0x9E3779B97F4A7C15 ^ (stream+1)*0xD1B54A32D192ED03}
	r.next()
	return r
}

func (r *demoRand) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// intn returns a number in [0, n); the modulo bias is far below what demo data
// could show.
func (r *demoRand) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a number in [lo, hi].
func (r *demoRand) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

func pick[T any](r *demoRand, s []T) T { return s[r.intn(len(s))] }

// digits returns n random decimal digits.
func digits(r *demoRand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.intn(10))
	}
	return string(b)
}

// cents returns a random amount in [lo, hi] hundredths, as a float with at most
// two decimals.
func cents(r *demoRand, lo, hi int) float64 { return float64(r.between(lo, hi)) / 100 }
