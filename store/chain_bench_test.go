package store_test

// Benchmarks of the chain cache at city scale. By default the lookup
// benchmark builds a store of 100,000 chains once per run; for the
// million-chain figures:
//
//	TRACECALL_BENCH_CHAINS=1000000 go test -run '^$' -bench ChainLookup -benchtime 5s ./store
//	go test -run '^$' -bench ImportChains -benchtime 1000000x ./store
//
// Set TRACECALL_BENCH_DB=/path/file.db to build the lookup store there and
// keep it for the next run (it is reused when it holds enough chains); the
// default is a temporary directory removed at the end. Both need about 3 GB
// of disk for a million chains (check df).
//
// Figures on the 2-core build VM (shared with other jobs, so ±50%), one
// million chains of about 5.8 KB of JSON each:
//
//	import       68 s (14,600 chains/s; 125 s when the cores were busy)
//	file         2.70 GB (2,050 B/chain for chains, 2 per page; ~650 for indexes)
//	Chain        16,900 lookups/s warm (2 goroutines); 250 µs each when cold
//	ChainJSON    116,000 lookups/s warm
//	CodesByRef   635,000 lookups/s warm; 70 µs cold
//	PutCall      2,400/s with one Update (fsync) each; 5,300/s through Batch

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/trace"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchChains is the size of the lookup store.
func benchChains(b *testing.B) int {
	s := os.Getenv("TRACECALL_BENCH_CHAINS")
	if s == "" {
		return 100_000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("TRACECALL_BENCH_CHAINS=%q: want a positive number", s)
	}
	return n
}

var (
	benchMu  sync.Mutex
	benchDB  *store.DB // the lookup store, shared by the lookup benchmarks
	benchN   int
	benchDir string // removed by TestMain
)

// lookupStore opens (and fills, the first time) the store of n chains.
func lookupStore(b *testing.B, n int) *store.DB {
	benchMu.Lock()
	defer benchMu.Unlock()
	if benchDB != nil && benchN == n {
		return benchDB
	}
	if benchDB != nil {
		benchDB.Close()
	}
	path := os.Getenv("TRACECALL_BENCH_DB")
	if path == "" {
		dir, err := os.MkdirTemp("", "tracecall-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		path = filepath.Join(dir, "chains.db")
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if have, _ := db.CountChains(); have < n {
		start := time.Now()
		if _, err := db.ImportChains(b.Context(), synthChains(0, n), 0); err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(path)
		b.Logf("built %s: %d chains in %v, %.0f MB", path, n, time.Since(start).Round(time.Millisecond), float64(st.Size())/1e6)
	}
	benchDB, benchN = db, n
	return db
}

// BenchmarkChainLookup measures lookups of random codes on a store of
// benchChains chains, from as many goroutines as cores.
func BenchmarkChainLookup(b *testing.B) {
	n := benchChains(b)
	db := lookupStore(b, n)
	lookups := []struct {
		name string
		fn   func(i int) error
	}{
		{"Chain", func(i int) error {
			_, ok, err := db.Chain(synthCode(i))
			if !ok && err == nil {
				err = fmt.Errorf("chain %d missing", i)
			}
			return err
		}},
		{"ChainJSON", func(i int) error {
			_, ok, err := db.ChainJSON(synthCode(i))
			if !ok && err == nil {
				err = fmt.Errorf("chain %d missing", i)
			}
			return err
		}},
		{"CodesByRef", func(i int) error {
			codes, err := db.CodesByRef(synthWholesaleTran(i))
			if len(codes) == 0 && err == nil {
				err = fmt.Errorf("ref of chain %d missing", i)
			}
			return err
		}},
		{"CodesByCert", func(i int) error {
			codes, err := db.CodesByCert(synthProductCert(i))
			if len(codes) == 0 && err == nil {
				err = fmt.Errorf("cert of chain %d missing", i)
			}
			return err
		}},
	}
	for _, l := range lookups {
		b.Run(fmt.Sprintf("%s/chains=%d", l.name, n), func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 1))
				for pb.Next() {
					if err := l.fn(r.IntN(n)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}

// BenchmarkImportChains imports b.N synthetic chains, in code order, into a
// new store; ns/op is per chain. -benchtime 1000000x gives the city figure.
func BenchmarkImportChains(b *testing.B) {
	path := filepath.Join(b.TempDir(), "import.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ResetTimer()
	n, err := db.ImportChains(b.Context(), synthChains(0, b.N), 0)
	if err != nil || n != b.N {
		b.Fatalf("ImportChains = %d, %v", n, err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "chains/s")
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(st.Size())/float64(b.N), "file_B/chain")
	}
}

// BenchmarkPutCall measures CDR writes with fsync: one Update per write, and
// Batch from 64 concurrent writers as during busy hours.
func BenchmarkPutCall(b *testing.B) {
	t0 := time.Date(2024, 3, 15, 8, 0, 0, 0, cst)
	b.Run("Update", func(b *testing.B) {
		db := openBench(b)
		for i := 0; b.Loop(); i++ {
			r := callAt(fmt.Sprintf("c%09d", i), t0.Add(time.Duration(i)*time.Millisecond), "13800138000", "ivr", true)
			if err := db.Update(func(tx *store.Tx) error { return tx.PutCall(&r) }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
	b.Run("Batch", func(b *testing.B) {
		db := openBench(b)
		var mu sync.Mutex
		next := 0
		b.SetParallelism(32) // 64 writers on 2 cores
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				r := callAt(fmt.Sprintf("c%09d", i), t0.Add(time.Duration(i)*time.Millisecond), "13800138000", "ivr", false)
				if err := db.Batch(func(tx *store.Tx) error { return tx.PutCall(&r) }); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
}

func openBench(b *testing.B) *store.DB {
	db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// Synthetic pork chains of realistic size: eight events from slaughter
// entry to retail sale, Chinese names, certificates and ear tags; about
// 5.8 KB of JSON each. Chain i's code and refs are functions of i, so that
// benchmarks can look them up.

func synthCode(i int) string          { return fmt.Sprintf("%020d", 11010600524031500000+uint64(i)) }
func synthWholesaleTran(i int) string { return fmt.Sprintf("11010600%012d", i) }
func synthProductCert(i int) string   { return fmt.Sprintf("PQ%013d", i) }

func synthChains(from, to int) func(func(trace.Chain) bool) {
	return func(yield func(trace.Chain) bool) {
		for i := from; i < to; i++ {
			if !yield(synthChain(i)) {
				return
			}
		}
	}
}

var (
	synthFarms      = []string{"芝罘区福源生猪养殖场", "农安县兴旺养殖合作社", "寿光市绿源生猪养殖基地", "石家庄市金穗养殖有限公司"}
	synthSlaughter  = []string{"烟台鲁东肉类加工有限公司", "长春市皓月屠宰有限公司", "石家庄双鸽肉类加工厂"}
	synthWholesale  = []string{"北京丰台新发地农产品批发市场", "上海浦东农产品批发市场", "广州天河江南果菜批发市场"}
	synthRetail     = []string{"丰台区东铁营菜市场", "浦东新区三林菜市场", "天河区龙口西菜市场", "物美超市(丰台店)", "永辉超市(浦东店)"}
	synthPeople     = []string{"张某", "李记肉业", "王建国", "刘桂芳", "陈志强", "杨丽华", "赵德胜", "黄秀英"}
	synthCuts       = []string{"前腿肉", "后腿肉", "五花肉", "里脊肉", "肋排", "猪蹄", "精瘦肉"}
	synthOrigins    = []string{"370602", "220122", "130100"}
	synthDestRegion = []string{"110106", "310115", "440106"}
)

func synthChain(i int) trace.Chain {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	origin, dest := pick(synthOrigins), pick(synthDestRegion)
	at := time.Date(2024, 3, 13, 22, 40, 0, 0, cst).Add(time.Duration(i) * time.Second)
	sl := trace.Node{Code: origin + "001", Name: pick(synthSlaughter), Type: trace.NodeSlaughterhouse, RegionCode: origin,
		Address: fmt.Sprintf("山东省烟台市芝罘区幸福路%d号", r.IntN(300)), ServicePhone: fmt.Sprintf("0535-6%06d", r.IntN(1e6))}
	wh := trace.Node{Code: dest + "001", Name: pick(synthWholesale), Type: trace.NodeWholesale, RegionCode: dest,
		Address: "北京市丰台区新发地桥西", ServicePhone: fmt.Sprintf("010-6%07d", r.IntN(1e7))}
	rt := trace.Node{Code: dest + "005", Name: pick(synthRetail), Type: trace.NodeMarket, RegionCode: dest, Address: "北京市丰台区东铁营横七条"}
	slOp := &trace.Operator{Code: sl.Code + "0000", NodeCode: sl.Code, Name: sl.Name, Type: trace.OperatorPigWholesaler,
		Nature: trace.NatureEnterprise, RegID: "91370602MA3*****7X"}
	whOp := &trace.Operator{Code: fmt.Sprintf("%s%04d", wh.Code, r.IntN(1e4)), NodeCode: wh.Code, Name: pick(synthPeople),
		Type: trace.OperatorWholesaler, Nature: trace.NatureIndividual, StallNo: fmt.Sprintf("A-%d", r.IntN(200))}
	rtOp := &trace.Operator{Code: fmt.Sprintf("%s%04d", rt.Code, r.IntN(1e4)), NodeCode: rt.Code, Name: pick(synthPeople),
		Type: trace.OperatorRetailer, Nature: trace.NatureIndividual, StallNo: fmt.Sprintf("B-%d", r.IntN(80))}
	carcass := &trace.Product{GoodsCode: "0101", GoodsName: "猪肉（白条猪）", Category: trace.CategoryMeat, Unit: "kg"}
	cut := &trace.Product{GoodsCode: "0102", GoodsName: "猪肉", Category: trace.CategoryMeat, Part: pick(synthCuts), Unit: "kg"}
	animalCert := fmt.Sprintf("%s%06d", origin[:4], i%1_000_000)
	productCert := synthProductCert(i)
	meatCert := fmt.Sprintf("RZ%08d%06d", 20240313, i%1_000_000)
	slTran := fmt.Sprintf("%s%011d", sl.Code, i)
	whTran := synthWholesaleTran(i)
	earTags := make([]string, 2+r.IntN(3))
	for k := range earTags {
		earTags[k] = fmt.Sprintf("1%s%08d", origin, (i*4+k)%100_000_000)
	}
	pass := trace.ResultPass
	code := synthCode(i)
	return trace.Chain{
		TraceCode: code,
		Events: []trace.Event{
			{ID: code + "-1", Type: trace.EventSlaughterEntry, Node: sl, Operator: slOp, At: at, HeadCount: 48,
				Counterparty: &trace.Party{Name: pick(synthPeople)}, OriginRegion: origin, OriginName: "山东省烟台市芝罘区",
				FarmName: pick(synthFarms), VehiclePlate: "鲁F·A1234", InputRefs: []string{animalCert}, EarTags: earTags,
				Certificates: []trace.Certificate{{Kind: trace.CertAnimalQuarantine, Number: animalCert, Issuer: "芝罘区动物卫生监督所", IssuedAt: at.Add(-6 * time.Hour), Result: pass}}},
			{ID: code + "-2", Type: trace.EventSlaughterInspection, Node: sl, Operator: slOp, At: at.Add(3 * time.Hour),
				InputRefs: []string{animalCert}, OutputRef: productCert,
				Certificates: []trace.Certificate{
					{Kind: trace.CertProductQuarantine, Number: productCert, Issuer: "芝罘区动物卫生监督所", IssuedAt: at.Add(3 * time.Hour), Result: pass},
					{Kind: trace.CertMeatInspection, Number: meatCert, Issuer: sl.Name, Result: pass},
					{Kind: trace.CertRactopamineTest, Number: fmt.Sprintf("SJ%010d", i), Result: pass},
				}},
			{ID: code + "-3", Type: trace.EventSlaughterSale, Node: sl, Operator: slOp, At: at.Add(5 * time.Hour), Goods: carcass,
				WeightKg: 80 + float64(r.IntN(1500))/100, UnitPrice: 18 + float64(r.IntN(400))/100,
				InputRefs: []string{productCert}, OutputRef: slTran, Counterparty: &trace.Party{Code: whOp.Code, Name: whOp.Name}},
			{ID: code + "-4", Type: trace.EventWholesaleEntry, Node: wh, Operator: whOp, At: at.Add(16 * time.Hour), Goods: carcass,
				WeightKg: 80, InputRefs: []string{slTran, productCert, meatCert}, VehiclePlate: "鲁F·A1234",
				Counterparty: &trace.Party{Code: slOp.Code, Name: slOp.Name}},
			{ID: code + "-5", Type: trace.EventWholesaleTest, Node: wh, Operator: whOp, At: at.Add(17 * time.Hour), InputRefs: []string{slTran},
				Certificates: []trace.Certificate{{Kind: trace.CertRactopamineTest, Number: fmt.Sprintf("PF%010d", i), Issuer: wh.Name + "检测中心", Result: pass}}},
			{ID: code + "-6", Type: trace.EventWholesaleSale, Node: wh, Operator: whOp, At: at.Add(30 * time.Hour), Goods: carcass,
				WeightKg: 40, UnitPrice: 22.5, InputRefs: []string{slTran}, OutputRef: whTran,
				Counterparty: &trace.Party{Code: rtOp.Code, Name: rtOp.Name}},
			{ID: code + "-7", Type: trace.EventRetailEntry, Node: rt, Operator: rtOp, At: at.Add(32 * time.Hour), Goods: carcass,
				WeightKg: 40, InputRefs: []string{whTran, productCert}, Counterparty: &trace.Party{Code: whOp.Code, Name: whOp.Name}},
			{ID: code + "-8", Type: trace.EventRetailSale, Node: rt, Operator: rtOp, At: at.Add(34*time.Hour + 32*time.Minute), Goods: cut,
				WeightKg: 0.3 + float64(r.IntN(220))/100, UnitPrice: 20 + float64(r.IntN(2000))/100,
				InputRefs: []string{whTran}, OutputRef: code},
		},
		Complete:       true,
		SyncedAt:       at.Add(40 * time.Hour),
		SourcePlatform: "北京市肉菜流通追溯管理平台",
	}
}
