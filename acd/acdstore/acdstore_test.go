package acdstore_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"tracecall/acd"
	"tracecall/acd/acdstore"
	"tracecall/store"
	"tracecall/store/storetest"
)

// testFile is an [acd] with every kind of setting a queue and an agent have.
var testFile = acd.Config{
	MaxTalk: time.Hour,
	Queues: []acd.QueueConfig{{Name: "trace", Strategy: acd.StrategyLinear, Agents: []string{"8001"},
		Skills: map[string]int{"pork": 5}, WidenAfter: 30 * time.Second, RingTimeout: 20 * time.Second,
		Overflow: "goodbye", WhenEmpty: acd.EmptyRefuse, Priority: 1, ServiceLevel: 20 * time.Second}},
	Agents: []acd.AgentConfig{{ID: "8001", Name: "张伟", Role: acd.RoleTeamLeader, Extension: "sim:8001",
		Skills: map[string]int{"pork": 9}, Priority: 2}},
}

func TestSeedAndSave(t *testing.T) {
	db := storetest.Open(t)
	file := testFile
	saver := acdstore.NewSaver(db)

	// First start: the file seeds the store.
	got, seeded, err := acdstore.Seed(db, file)
	if err != nil || !seeded || !reflect.DeepEqual(got, file) {
		t.Fatalf("first Seed = %+v, %v, %v; want the file, seeded", got, seeded, err)
	}

	// The panel changes things.
	edited := file
	edited.Queues = append([]acd.QueueConfig(nil), file.Queues...)
	edited.Queues = append(edited.Queues, acd.QueueConfig{Name: "vip", Strategy: acd.StrategyRingAll, MaxWait: 2 * time.Minute})
	edited.Agents = nil
	if err := saver.SaveACD(edited); err != nil {
		t.Fatal(err)
	}

	// Next start, with a changed file: the store's queues and agents run, the
	// file's other settings apply, and the file's copy is kept for a reset.
	file2 := file
	file2.MaxTalk = 2 * time.Hour
	file2.Queues = nil
	got, seeded, err = acdstore.Seed(db, file2)
	if err != nil || seeded {
		t.Fatalf("second Seed: seeded %v, %v", seeded, err)
	}
	want := edited
	want.MaxTalk = 2 * time.Hour
	if !reflect.DeepEqual(got, want) {
		t.Errorf("second Seed =\n%+v\nwant\n%+v", got, want)
	}
	if f, ok, err := acdstore.File(db); err != nil || !ok || len(f.Queues) != 0 || len(f.Agents) != 1 {
		t.Errorf("File = %+v, %v, %v; want the second file's", f, ok, err)
	}

	// An emptied store stays empty: it is not seeded again.
	if err := saver.SaveACD(acd.Config{}); err != nil {
		t.Fatal(err)
	}
	got, seeded, err = acdstore.Seed(db, file)
	if err != nil || seeded || len(got.Queues) != 0 || len(got.Agents) != 0 {
		t.Errorf("Seed after emptying = %+v, %v, %v; want nothing", got, seeded, err)
	}
}

func TestNothingStored(t *testing.T) {
	db := storetest.Open(t)
	for name, read := range map[string]func(*store.DB) (acd.Config, bool, error){
		"Running": acdstore.Running, "File": acdstore.File,
	} {
		if cfg, ok, err := read(db); ok || err != nil || len(cfg.Queues)+len(cfg.Agents) != 0 {
			t.Errorf("%s before Seed = %+v, %v, %v; want nothing", name, cfg, ok, err)
		}
	}
}

// TestOldDocumentLoads: testdata/store.acd.json is what the store wrote for
// testFile when it kept the ACD's queues and agents itself (store/acd.go,
// before acdstore). A data directory holding it under both keys loads as it
// did, and what is saved now has the same shape.
func TestOldDocumentLoads(t *testing.T) {
	old, err := os.ReadFile("testdata/store.acd.json")
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	err = db.Update(func(tx *store.Tx) error {
		for _, key := range []string{"store.acd", "store.acd.file"} {
			if err := tx.PutDoc(key, json.RawMessage(old)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	if err := db.View(func(tx *store.Tx) error { stored = tx.Meta("store.acd"); return nil }); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, old) {
		t.Fatalf("the old document was stored as\n%s\nnot byte for byte", stored)
	}

	want := acd.Config{Queues: testFile.Queues, Agents: testFile.Agents}
	for name, read := range map[string]func(*store.DB) (acd.Config, bool, error){
		"Running": acdstore.Running, "File": acdstore.File,
	} {
		if cfg, ok, err := read(db); err != nil || !ok || !reflect.DeepEqual(cfg, want) {
			t.Errorf("%s of the old document = %+v, %v, %v; want\n%+v", name, cfg, ok, err, want)
		}
	}
	file := acd.Config{MaxTalk: time.Minute}
	if cfg, seeded, err := acdstore.Seed(db, file); err != nil || seeded || !reflect.DeepEqual(cfg.Queues, want.Queues) || cfg.MaxTalk != time.Minute {
		t.Errorf("Seed over the old document = %+v, %v, %v; want its queues and agents with the file's max_talk", cfg, seeded, err)
	}

	// Saved now, the same configuration is the same JSON but for the time.
	if err := acdstore.NewSaver(db).SaveACD(testFile); err != nil {
		t.Fatal(err)
	}
	var now, then map[string]any
	if err := json.Unmarshal(old, &then); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Doc("store.acd", &now); err != nil {
		t.Fatal(err)
	}
	if _, ok := now["saved"].(string); !ok {
		t.Errorf("saved now without a time: %v", now["saved"])
	}
	delete(now, "saved")
	delete(then, "saved")
	if !reflect.DeepEqual(now, then) {
		t.Errorf("saved now as\n%v\nwas\n%v", now, then)
	}
}

// TestSaverWithACD: the Saver is the ACD's; a queue added at runtime is what
// the next start loads.
func TestSaverWithACD(t *testing.T) {
	db := storetest.Open(t)
	cfg, _, err := acdstore.Seed(db, acd.Config{Agents: []acd.AgentConfig{{ID: "8001", Extension: "sim:8001"}}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := acd.New(cfg, acd.Deps{Saver: acdstore.NewSaver(db)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	go func() { _ = a.Run(ctx) }() // ends with the test
	if err := a.AddQueue(ctx, acd.QueueConfig{Name: "q", Agents: []string{"8001"}}); err != nil {
		t.Fatal(err)
	}
	stored, ok, err := acdstore.Running(db)
	if err != nil || !ok {
		t.Fatalf("Running = %v, %v", ok, err)
	}
	if len(stored.Queues) != 1 || stored.Queues[0].Name != "q" || stored.Queues[0].RingTimeout != 20*time.Second {
		t.Errorf("stored %+v, want q with its defaults", stored.Queues)
	}
}
