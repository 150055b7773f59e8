package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tracecall/trace"
)

// importChain is a small chain whose refs depend on gen, so that an import
// replacing it moves index entries.
func importChain(i, gen int) trace.Chain {
	code := fmt.Sprintf("C%06d", i)
	return trace.Chain{TraceCode: code, Events: []trace.Event{{
		ID: code + "-1", Type: trace.EventSlaughterSale,
		At:        time.Date(2024, 3, 14, 4, 10, 0, 0, time.UTC),
		Node:      trace.Node{Code: "110106005", Name: "屠宰场", Type: trace.NodeSlaughterhouse},
		OutputRef: fmt.Sprintf("T%d-%d", gen, i%7),
		Certificates: []trace.Certificate{{Kind: trace.CertProductQuarantine,
			Number: fmt.Sprintf("Q%d-%d", gen, i)}},
	}}}
}

// digest sums what a reader can see of the chains: the values, both
// indexes and the count. It fails the test if an import is left in the file.
func digest(t *testing.T, db *DB) string {
	t.Helper()
	h := sha256.New()
	err := db.bolt.View(func(btx *bolt.Tx) error {
		if btx.Bucket(bucketImport) != nil || btx.Bucket(bucketMeta).Get([]byte(metaImport)) != nil {
			t.Error("an import is left in the file")
		}
		for _, name := range [][]byte{bucketChains, bucketIdxTran, bucketIdxCert} {
			fmt.Fprintf(h, "%s\n", name)
			if err := btx.Bucket(name).ForEach(func(k, v []byte) error {
				fmt.Fprintf(h, "%q=%x\n", k, v)
				return nil
			}); err != nil {
				return err
			}
		}
		fmt.Fprintf(h, "count %d", getUint64(btx.Bucket(bucketMeta), metaChainCount))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestImportCrashPoints stops an import at each step as a crash would (the
// file closed where it stands) and checks that Open leaves the store exactly
// as before the import or exactly as after it: before up to the switch,
// after from the switch on.
func TestImportCrashPoints(t *testing.T) {
	const old, total, batch = 300, 1000, 128 // the import replaces chains 0–299 and adds 700
	open := func(t *testing.T, path string) *DB {
		db, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	seed := func(t *testing.T) (*DB, string) {
		path := filepath.Join(t.TempDir(), "tracecall.db")
		db := open(t, path)
		err := db.Update(func(tx *Tx) error {
			for i := range old {
				c := importChain(i, 0)
				if err := tx.PutChain(&c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return db, path
	}
	addAll := func(t *testing.T, im *Import) {
		for i := range total {
			c := importChain(i, 1)
			if _, err := im.Add(&c, i+1); err != nil {
				t.Fatal(err)
			}
		}
		if err := im.flush(); err != nil {
			t.Fatal(err)
		}
		if err := im.wait(); err != nil {
			t.Fatal(err)
		}
	}
	begin := func(t *testing.T, db *DB) *Import {
		im, err := db.BeginImport(batch)
		if err != nil {
			t.Fatal(err)
		}
		return im
	}
	switchOver := func(t *testing.T, db *DB) {
		if err := db.bolt.Update(func(btx *bolt.Tx) error {
			return btx.Bucket(bucketMeta).Put([]byte(metaImport), importCursor(""))
		}); err != nil {
			t.Fatal(err)
		}
	}

	ref, _ := seed(t)
	before := digest(t, ref)
	if n, err := ref.ImportChains(t.Context(), func(yield func(trace.Chain) bool) {
		for i := range total {
			if !yield(importChain(i, 1)) {
				return
			}
		}
	}, batch); err != nil || n != total {
		t.Fatalf("ImportChains = %d, %v", n, err)
	}
	after := digest(t, ref)
	ref.Close()
	if before == after {
		t.Fatal("the import changed nothing: the test cannot tell before from after")
	}

	tests := []struct {
		name  string
		crash func(t *testing.T, db *DB)
		want  string
	}{
		{"begun", func(t *testing.T, db *DB) { begin(t, db) }, before},
		{"staging", func(t *testing.T, db *DB) {
			im := begin(t, db)
			for i := range 3 * batch {
				c := importChain(i, 1)
				if _, err := im.Add(&c, i+1); err != nil {
					t.Fatal(err)
				}
			}
			_ = im.wait()
		}, before},
		{"all staged", func(t *testing.T, db *DB) { addAll(t, begin(t, db)) }, before},
		{"switched", func(t *testing.T, db *DB) {
			addAll(t, begin(t, db))
			switchOver(t, db)
		}, after},
		{"two batches applied", func(t *testing.T, db *DB) {
			addAll(t, begin(t, db))
			switchOver(t, db)
			for range 2 {
				if err := db.Update(func(tx *Tx) error { _, _, err := tx.applyBatch(batch); return err }); err != nil {
					t.Fatal(err)
				}
			}
		}, after},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, path := seed(t)
			tt.crash(t, db)
			if err := db.bolt.Close(); err != nil { // the crash: nothing more is written
				t.Fatal(err)
			}
			db = open(t, path)
			defer db.Close()
			switch got := digest(t, db); got {
			case tt.want:
			case before:
				t.Error("the store is as before the import, want as after")
			case after:
				t.Error("the store is as after the import, want as before")
			default:
				t.Error("the store is neither as before the import nor as after it")
			}
			if _, err := db.BeginImport(0); err != nil {
				t.Errorf("a new import after the restart: %v", err)
			}
		})
	}
}

// TestImportWriteDuringApply: a chain written or deleted after the switch,
// while the import is still being applied, is not undone by the apply.
func TestImportWriteDuringApply(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "tracecall.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	im, err := db.BeginImport(10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		c := importChain(i, 1)
		if _, err := im.Add(&c, i+1); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.flush(); err != nil {
		t.Fatal(err)
	}
	if err := im.wait(); err != nil {
		t.Fatal(err)
	}
	if err := db.bolt.Update(func(btx *bolt.Tx) error {
		return btx.Bucket(bucketMeta).Put([]byte(metaImport), importCursor(""))
	}); err != nil {
		t.Fatal(err)
	}
	later := importChain(40, 2)
	if err := db.Update(func(tx *Tx) error {
		if err := tx.PutChain(&later); err != nil {
			return err
		}
		return tx.DeleteChain("C000041") // staged, not yet applied
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.applyImport(10); err != nil {
		t.Fatal(err)
	}
	if c, ok, _ := db.Chain("C000040"); !ok || c.Events[0].OutputRef != later.Events[0].OutputRef {
		t.Errorf("C000040 = %+v, want the chain written after the switch", c)
	}
	if _, ok, _ := db.Chain("C000041"); ok {
		t.Error("C000041, deleted after the switch, came back with the apply")
	}
	if n, _ := db.CountChains(); n != 49 {
		t.Errorf("%d chains, want 49", n)
	}
}
