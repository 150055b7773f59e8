package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/trace"
)

var cst = time.FixedZone("CST", 8*3600)

// chainWith is a small pork chain: slaughter sale (output tran), retail
// entry quoting it and a certificate, retail sale whose output is the code.
func chainWith(code, tran, cert string) trace.Chain {
	at := time.Date(2024, 3, 14, 4, 10, 0, 0, cst)
	return trace.Chain{
		TraceCode: code,
		Events: []trace.Event{
			{
				ID: code + "-1", Type: trace.EventSlaughterSale, At: at,
				Node:      trace.Node{Code: "370602001", Name: "烟台鲁东肉类加工有限公司", Type: trace.NodeSlaughterhouse},
				OutputRef: tran,
				Certificates: []trace.Certificate{
					{Kind: trace.CertProductQuarantine, Number: cert, Result: trace.ResultPass},
				},
			},
			{
				ID: code + "-2", Type: trace.EventRetailEntry, At: at.Add(30 * time.Hour),
				Node:      trace.Node{Code: "110106005", Name: "丰台区东铁营菜市场", Type: trace.NodeMarket},
				InputRefs: []string{tran, cert},
			},
			{
				ID: code + "-3", Type: trace.EventRetailSale, At: at.Add(53 * time.Hour),
				Node:      trace.Node{Code: "110106005", Name: "丰台区东铁营菜市场", Type: trace.NodeMarket},
				Operator:  &trace.Operator{Code: "1101060050012", Name: "王建国", StallNo: "B-12"},
				Goods:     &trace.Product{GoodsName: "猪肉", Category: trace.CategoryMeat, Part: "前腿肉", Unit: "kg"},
				WeightKg:  0.86,
				UnitPrice: 28,
				InputRefs: []string{tran},
				OutputRef: code,
			},
		},
		Complete:       true,
		MissingHops:    []trace.Hop{trace.HopOrigin},
		SyncedAt:       at.Add(60 * time.Hour),
		SourcePlatform: "北京市肉菜流通追溯管理平台",
	}
}

func put(t *testing.T, db *store.DB, cs ...trace.Chain) {
	t.Helper()
	err := db.Update(func(tx *store.Tx) error {
		for i := range cs {
			if err := tx.PutChain(&cs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameChain compares through JSON: time.Time locations differ after a round
// trip although the instants and offsets are equal.
func sameChain(t *testing.T, got, want trace.Chain) {
	t.Helper()
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("chain differs:\n got %s\nwant %s", g, w)
	}
}

func wantCodes(t *testing.T, what string, lookup func(string) ([]string, error), key string, want ...string) {
	t.Helper()
	got, err := lookup(key)
	if err != nil {
		t.Fatalf("%s(%q): %v", what, key, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s(%q) = %q, want %q", what, key, got, want)
	}
}

func wantCount(t *testing.T, db *store.DB, want int) {
	t.Helper()
	n, err := db.CountChains()
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("CountChains = %d, want %d", n, want)
	}
}

func TestChainPutGet(t *testing.T) {
	db := storetest.Open(t)
	want := chainWith("11010600524031500017", "37060200124031400017", "370602240313001")
	put(t, db, want)

	got, ok, err := db.Chain(want.TraceCode)
	if err != nil || !ok {
		t.Fatalf("Chain = ok %v, err %v", ok, err)
	}
	sameChain(t, got, want)

	err = db.View(func(tx *store.Tx) error {
		got, ok, err := tx.Chain(want.TraceCode)
		if err != nil || !ok {
			return fmt.Errorf("tx.Chain: ok %v, err %v", ok, err)
		}
		sameChain(t, got, want)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	doc, ok, err := db.ChainJSON(want.TraceCode)
	if err != nil || !ok {
		t.Fatalf("ChainJSON = ok %v, err %v", ok, err)
	}
	if string(doc) != mustJSON(t, want) {
		t.Errorf("ChainJSON = %s, want json.Marshal of the chain", doc)
	}

	if _, ok, err := db.Chain("99999999999999999999"); ok || err != nil {
		t.Errorf("missing chain: ok %v, err %v", ok, err)
	}
	if _, ok, err := db.ChainJSON("99999999999999999999"); ok || err != nil {
		t.Errorf("missing chain JSON: ok %v, err %v", ok, err)
	}
	wantCount(t, db, 1)
}

func TestChainIndexes(t *testing.T) {
	db := storetest.Open(t)
	// Three retail chains from one slaughter sale, and one from another whose
	// tran id has the first's as a prefix.
	put(t, db,
		chainWith("C3", "T100", "Q1"),
		chainWith("C1", "T100", "Q1"),
		chainWith("C2", "T100", "Q2"),
		chainWith("C4", "T1000", "Q10"),
	)
	wantCodes(t, "CodesByRef", db.CodesByRef, "T100", "C1", "C2", "C3")
	wantCodes(t, "CodesByRef", db.CodesByRef, "T1000", "C4")
	wantCodes(t, "CodesByRef", db.CodesByRef, "T10")
	wantCodes(t, "CodesByRef", db.CodesByRef, "Q1", "C1", "C3") // quoted as input
	wantCodes(t, "CodesByRef", db.CodesByRef, "C2", "C2")       // retail sale output
	wantCodes(t, "CodesByRef", db.CodesByRef, "")
	wantCodes(t, "CodesByCert", db.CodesByCert, "Q1", "C1", "C3")
	wantCodes(t, "CodesByCert", db.CodesByCert, "Q10", "C4")
	wantCodes(t, "CodesByCert", db.CodesByCert, "T100")
	wantCount(t, db, 4)
}

func TestChainReplaceUpdatesIndexes(t *testing.T) {
	db := storetest.Open(t)
	put(t, db, chainWith("C1", "T1", "Q1"), chainWith("C2", "T1", "Q1"))
	put(t, db, chainWith("C1", "T2", "Q2"))

	got, _, err := db.Chain("C1")
	if err != nil {
		t.Fatal(err)
	}
	sameChain(t, got, chainWith("C1", "T2", "Q2"))
	wantCodes(t, "CodesByRef", db.CodesByRef, "T1", "C2")
	wantCodes(t, "CodesByRef", db.CodesByRef, "T2", "C1")
	wantCodes(t, "CodesByCert", db.CodesByCert, "Q1", "C2")
	wantCodes(t, "CodesByCert", db.CodesByCert, "Q2", "C1")
	wantCount(t, db, 2)

	// Putting the same chain again changes nothing.
	put(t, db, chainWith("C1", "T2", "Q2"))
	wantCodes(t, "CodesByRef", db.CodesByRef, "T2", "C1")
	wantCount(t, db, 2)
}

func TestDeleteChain(t *testing.T) {
	db := storetest.Open(t)
	put(t, db, chainWith("C1", "T1", "Q1"), chainWith("C2", "T1", "Q1"))
	if err := db.Update(func(tx *store.Tx) error { return tx.DeleteChain("C1") }); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.Chain("C1"); ok {
		t.Error("C1 still there after delete")
	}
	wantCodes(t, "CodesByRef", db.CodesByRef, "T1", "C2")
	wantCodes(t, "CodesByRef", db.CodesByRef, "C1")
	wantCodes(t, "CodesByCert", db.CodesByCert, "Q1", "C2")
	wantCount(t, db, 1)

	err := db.Update(func(tx *store.Tx) error { return tx.DeleteChain("C1") })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: err %v, want ErrNotFound", err)
	}
	wantCount(t, db, 1)
}

func TestPutChainInvalid(t *testing.T) {
	long := strings.Repeat("1", 257)
	tests := []struct {
		name  string
		chain trace.Chain
	}{
		{"empty code", chainWith("", "T1", "Q1")},
		{"long code", chainWith(long, "T1", "Q1")},
		{"NUL in code", chainWith("C\x001", "T1", "Q1")},
		{"NUL in ref", chainWith("C1", "T\x001", "Q1")},
		{"long cert", chainWith("C1", "T1", long)},
	}
	db := storetest.Open(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Update(func(tx *store.Tx) error { return tx.PutChain(&tt.chain) })
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	wantCount(t, db, 0)
}

func TestEmptyRefsNotIndexed(t *testing.T) {
	db := storetest.Open(t)
	c := chainWith("C1", "T1", "Q1")
	c.Events[1].InputRefs = append(c.Events[1].InputRefs, "")
	c.Events[1].Certificates = []trace.Certificate{{Kind: trace.CertVegTest}}
	put(t, db, c)
	wantCodes(t, "CodesByRef", db.CodesByRef, "T1", "C1")
}

func TestRollbackLeavesNothing(t *testing.T) {
	db := storetest.Open(t)
	boom := errors.New("boom")
	err := db.Update(func(tx *store.Tx) error {
		c := chainWith("C1", "T1", "Q1")
		if err := tx.PutChain(&c); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if _, ok, _ := db.Chain("C1"); ok {
		t.Error("chain stored by a rolled back transaction")
	}
	wantCodes(t, "CodesByRef", db.CodesByRef, "T1")
	wantCount(t, db, 0)
}

func TestPutChainsAllOrNothing(t *testing.T) {
	db := storetest.Open(t)
	var cs []trace.Chain
	for i := range 200 {
		cs = append(cs, chainWith(fmt.Sprintf("C%03d", i), "T1", "Q1"))
	}
	bad := append(slices.Clone(cs), chainWith("", "T1", "Q1"))
	err := db.Update(func(tx *store.Tx) error { return tx.PutChains(bad) })
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	wantCount(t, db, 0)

	// A repeated code: the later one wins.
	cs = append(cs, chainWith("C000", "T2", "Q2"))
	if err := db.Update(func(tx *store.Tx) error { return tx.PutChains(cs) }); err != nil {
		t.Fatal(err)
	}
	wantCount(t, db, 200)
	wantCodes(t, "CodesByRef", db.CodesByRef, "T2", "C000")
	got, _, _ := db.Chain("C000")
	sameChain(t, got, chainWith("C000", "T2", "Q2"))
}

func TestListChains(t *testing.T) {
	db := storetest.Open(t)
	var codes []string
	for i := range 250 {
		code := fmt.Sprintf("C%04d", i*7%250) // out of order
		put(t, db, chainWith(code, "T1", "Q1"))
		codes = append(codes, code)
	}
	slices.Sort(codes)

	tests := []struct {
		name  string
		after string
		n     int
		want  []string
	}{
		{"first page", "", 10, codes[:10]},
		{"next page", codes[9], 10, codes[10:20]},
		{"after missing key", "C0009x", 3, codes[10:13]},
		{"default size", "", 0, codes[:store.DefaultListChains]},
		{"tail", codes[245], 10, codes[246:]},
		{"past end", "D", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := db.ListChains(tt.after, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.TraceCode)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestForEachChain(t *testing.T) {
	db := storetest.Open(t)
	var cs []trace.Chain
	for i := range 1200 { // more than one page
		cs = append(cs, chainWith(fmt.Sprintf("C%05d", i), fmt.Sprintf("T%d", i/3), "Q1"))
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.PutChains(cs) }); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	var got []string
	err := db.ForEachChain(ctx, func(c trace.Chain) error {
		got = append(got, c.TraceCode)
		if c.TraceCode == "C01234" {
			sameChain(t, c, cs[1234])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cs) || !slices.IsSorted(got) {
		t.Errorf("ForEachChain saw %d chains (sorted %v), want %d in order", len(got), slices.IsSorted(got), len(cs))
	}

	n := 0
	err = db.ForEachChainJSON(ctx, func(code string, doc []byte) error {
		if code == "C01100" && string(doc) != mustJSON(t, cs[1100]) {
			t.Errorf("ForEachChainJSON %s = %s", code, doc)
		}
		n++
		return nil
	})
	if err != nil || n != len(cs) {
		t.Errorf("ForEachChainJSON: %d chains, err %v", n, err)
	}

	stop := errors.New("stop")
	n = 0
	err = db.ForEachChain(ctx, func(trace.Chain) error {
		if n++; n == 1100 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 1100 {
		t.Errorf("stop: err %v after %d chains, want stop after 1100", err, n)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.ForEachChain(cctx, func(trace.Chain) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v", err)
	}
}

func TestImportChains(t *testing.T) {
	db := storetest.Open(t)
	put(t, db, chainWith("C00010", "OLD", "QOLD")) // replaced by the import

	const total = 1200
	seq := func(yield func(trace.Chain) bool) {
		for i := range total {
			if !yield(chainWith(fmt.Sprintf("C%05d", i), fmt.Sprintf("T%d", i%100), fmt.Sprintf("Q%d", i))) {
				return
			}
		}
		yield(chainWith("C00001", "T-last", "Q-last")) // repeat in a later batch
	}
	n, err := db.ImportChains(t.Context(), seq, 500)
	if err != nil || n != total+1 {
		t.Fatalf("ImportChains = %d, %v; want %d, nil", n, err, total+1)
	}
	wantCount(t, db, total)
	wantCodes(t, "CodesByRef", db.CodesByRef, "OLD")
	wantCodes(t, "CodesByCert", db.CodesByCert, "QOLD")
	wantCodes(t, "CodesByRef", db.CodesByRef, "T-last", "C00001")
	wantCodes(t, "CodesByCert", db.CodesByCert, "Q1")
	// under lists the codes of chains i with i%100 == r, but C00001 moved
	// from T1 to T-last.
	under := func(r int) (codes []string) {
		for i := r; i < total; i += 100 {
			if i != 1 {
				codes = append(codes, fmt.Sprintf("C%05d", i))
			}
		}
		return codes
	}
	wantCodes(t, "CodesByRef", db.CodesByRef, "T1", under(1)...)
	wantCodes(t, "CodesByRef", db.CodesByRef, "T7", under(7)...)
	got, ok, err := db.Chain("C01199")
	if err != nil || !ok {
		t.Fatalf("Chain(C01199): ok %v, err %v", ok, err)
	}
	sameChain(t, got, chainWith("C01199", "T99", "Q1199"))
}

func TestImportChainsStops(t *testing.T) {
	chains := func(bad int) func(func(trace.Chain) bool) {
		return func(yield func(trace.Chain) bool) {
			for i := range 250 {
				c := chainWith(fmt.Sprintf("C%05d", i), "T1", "Q1")
				if i == bad {
					c.TraceCode = ""
				}
				if !yield(c) {
					return
				}
			}
		}
	}
	t.Run("invalid chain", func(t *testing.T) {
		db := storetest.Open(t)
		n, err := db.ImportChains(t.Context(), chains(130), 100)
		if !errors.Is(err, store.ErrInvalid) || n != 0 {
			t.Errorf("ImportChains = %d, %v; want 0 and ErrInvalid", n, err)
		}
		wantCount(t, db, 0) // all or nothing: the batch before it is not kept
	})
	t.Run("cancelled", func(t *testing.T) {
		db := storetest.Open(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		n, err := db.ImportChains(ctx, chains(-1), 100)
		if !errors.Is(err, context.Canceled) || n != 0 {
			t.Errorf("ImportChains = %d, %v; want 0 and context.Canceled", n, err)
		}
	})
}

func TestMeta(t *testing.T) {
	db := storetest.Open(t)
	err := db.Update(func(tx *store.Tx) error {
		if err := tx.PutMeta("sync/110106001", []byte("20240315")); err != nil {
			return err
		}
		return tx.PutMeta("sync/empty", nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"", "store.schema", "store.anything"} {
		err := db.Update(func(tx *store.Tx) error { return tx.PutMeta(key, []byte("x")) })
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PutMeta(%q): err %v, want ErrInvalid", key, err)
		}
	}
	var got map[string]string
	err = db.View(func(tx *store.Tx) error {
		v := tx.Meta("sync/110106001")
		v[0] = 'X' // a copy: must not touch the file's map
		got = map[string]string{
			"again":  string(tx.Meta("sync/110106001")),
			"empty":  fmt.Sprintf("%q %v", tx.Meta("sync/empty"), tx.Meta("sync/empty") != nil),
			"none":   fmt.Sprintf("%v", tx.Meta("nope") == nil),
			"schema": fmt.Sprintf("%d", len(tx.Meta("store.schema"))),
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"again": "20240315", "empty": `"" true`, "none": "true", "schema": "8"}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.DeleteMeta("sync/110106001") }); err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *store.Tx) error {
		if tx.Meta("sync/110106001") != nil {
			t.Error("meta still there after DeleteMeta")
		}
		return nil
	})
}

// TestImportAddCommitAbort: Add refuses a repeated code naming the first
// line; Abort leaves the store as it was; only one import runs at a time.
func TestImportAddCommitAbort(t *testing.T) {
	db := storetest.Open(t)
	put(t, db, chainWith("C00001", "OLD", "QOLD"))

	im, err := db.BeginImport(3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.BeginImport(0); !errors.Is(err, store.ErrImportRunning) {
		t.Errorf("a second BeginImport: %v, want ErrImportRunning", err)
	}
	for i := range 10 {
		c := chainWith(fmt.Sprintf("C%05d", i), "NEW", fmt.Sprintf("Q%d", i))
		if first, err := im.Add(&c, i+2); first != 0 || err != nil {
			t.Fatalf("Add(line %d) = %d, %v", i+2, first, err)
		}
	}
	again := chainWith("C00002", "X", "Y")
	if first, err := im.Add(&again, 20); first != 4 || err != nil {
		t.Errorf("Add of a repeat = %d, %v; want its first line, 4", first, err)
	}
	bad := chainWith(strings.Repeat("9", 300), "X", "Y")
	if _, err := im.Add(&bad, 21); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Add of a code over 256 bytes: %v, want ErrInvalid", err)
	}
	if err := im.Abort(); err != nil {
		t.Fatal(err)
	}
	wantCount(t, db, 1)
	wantCodes(t, "CodesByRef", db.CodesByRef, "OLD", "C00001")
	wantCodes(t, "CodesByRef", db.CodesByRef, "NEW")

	im, err = db.BeginImport(3)
	if err != nil {
		t.Fatalf("BeginImport after Abort: %v", err)
	}
	for i := range 10 {
		c := chainWith(fmt.Sprintf("C%05d", i), "NEW", fmt.Sprintf("Q%d", i))
		if _, err := im.Add(&c, i+2); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := im.Commit(t.Context()); n != 10 || err != nil {
		t.Fatalf("Commit = %d, %v", n, err)
	}
	wantCount(t, db, 10)
	wantCodes(t, "CodesByRef", db.CodesByRef, "OLD")
	if codes, _ := db.CodesByRef("NEW"); len(codes) != 10 {
		t.Errorf("%d codes under the new ref, want 10", len(codes))
	}

	ctx, cancel := context.WithCancel(t.Context())
	im, err = db.BeginImport(0)
	if err != nil {
		t.Fatalf("BeginImport after Commit: %v", err)
	}
	c := chainWith("C99999", "T", "Q")
	if _, err := im.Add(&c, 2); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := im.Commit(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit after its context ended: %v, want context.Canceled", err)
	}
	wantCount(t, db, 10)
}

// exportDigest sums every chain's JSON and the count, as a reader sees them.
func exportDigest(t *testing.T, db *store.DB) string {
	t.Helper()
	h := sha256.New()
	if err := db.ForEachChainJSON(t.Context(), func(code string, doc []byte) error {
		fmt.Fprintf(h, "%s %s\n", code, doc)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n, _ := db.CountChains()
	fmt.Fprintf(h, "count %d", n)
	return hex.EncodeToString(h.Sum(nil))
}

// TestImportFullDisk: an import that would leave less than ImportReserve on
// the disk stops before its switch with an error wrapping ENOSPC, and the
// store is as it was.
func TestImportFullDisk(t *testing.T) {
	db, err := store.Open(filepath.Join(storetest.SmallDisk(t, 80<<20).Dir, "tracecall.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := trace.NewGenerator(3)
	chains := func(from, n int) func(func(trace.Chain) bool) {
		return func(yield func(trace.Chain) bool) {
			for i := range n {
				if !yield(g.Chain(from + i)) {
					return
				}
			}
		}
	}
	if _, err := db.ImportChains(t.Context(), chains(0, 100), 0); err != nil {
		t.Fatal(err)
	}
	before := exportDigest(t, db)
	// About 40 MB staged: more than 80 MB less the reserve.
	if n, err := db.ImportChains(t.Context(), chains(1000, 20_000), 1000); !errors.Is(err, syscall.ENOSPC) || n != 0 {
		t.Errorf("an import too big for the disk = %d, %v; want 0 and ENOSPC", n, err)
	}
	if exportDigest(t, db) != before {
		t.Error("the refused import changed the store")
	}
}
