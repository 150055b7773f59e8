package store_test

import (
	"reflect"
	"testing"
	"time"

	"tracecall/acd"
	"tracecall/store"
	"tracecall/store/storetest"
)

func TestACDRoundTrip(t *testing.T) {
	db := storetest.Open(t)
	file := acd.Config{
		MaxTalk: time.Hour,
		Queues: []acd.QueueConfig{{Name: "trace", Strategy: acd.StrategyLinear, Agents: []string{"8001"},
			Skills: map[string]int{"pork": 5}, WidenAfter: 30 * time.Second, RingTimeout: 20 * time.Second,
			Overflow: "goodbye", WhenEmpty: acd.EmptyRefuse, Priority: 1, ServiceLevel: 20 * time.Second}},
		Agents: []acd.AgentConfig{{ID: "8001", Name: "张伟", Role: acd.RoleTeamLeader, Extension: "sim:8001",
			Skills: map[string]int{"pork": 9}, Priority: 2}},
	}

	// First start: the file seeds the store.
	got, seeded, err := db.SeedACD(file)
	if err != nil || !seeded || !reflect.DeepEqual(got, file) {
		t.Fatalf("first SeedACD = %+v, %v, %v; want the file, seeded", got, seeded, err)
	}

	// The panel changes things.
	edited := file
	edited.Queues = append([]acd.QueueConfig(nil), file.Queues...)
	edited.Queues = append(edited.Queues, acd.QueueConfig{Name: "vip", Strategy: acd.StrategyRingAll, MaxWait: 2 * time.Minute})
	edited.Agents = nil
	if err := db.SaveACD(edited); err != nil {
		t.Fatal(err)
	}

	// Next start, with a changed file: the store's queues and agents run, the
	// file's other settings apply, and the file's copy is kept for a reset.
	file2 := file
	file2.MaxTalk = 2 * time.Hour
	file2.Queues = nil
	got, seeded, err = db.SeedACD(file2)
	if err != nil || seeded {
		t.Fatalf("second SeedACD: seeded %v, %v", seeded, err)
	}
	want := edited
	want.MaxTalk = 2 * time.Hour
	if !reflect.DeepEqual(got, want) {
		t.Errorf("second SeedACD =\n%+v\nwant\n%+v", got, want)
	}
	err = db.View(func(tx *store.Tx) error {
		f, ok, err := tx.ACDFile()
		if err != nil || !ok || len(f.Queues) != 0 || len(f.Agents) != 1 {
			t.Errorf("ACDFile = %+v, %v, %v; want the second file's", f, ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// An emptied store stays empty: it is not seeded again.
	if err := db.SaveACD(acd.Config{}); err != nil {
		t.Fatal(err)
	}
	got, seeded, err = db.SeedACD(file)
	if err != nil || seeded || len(got.Queues) != 0 || len(got.Agents) != 0 {
		t.Errorf("SeedACD after emptying = %+v, %v, %v; want nothing", got, seeded, err)
	}
}

// TestACDSaverWithACD: the store is the ACD's Saver; a queue added at runtime
// is what the next start loads.
func TestACDSaverWithACD(t *testing.T) {
	db := storetest.Open(t)
	var _ acd.Saver = db
	cfg, _, err := db.SeedACD(acd.Config{Agents: []acd.AgentConfig{{ID: "8001", Extension: "sim:8001"}}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := acd.New(cfg, acd.Deps{Saver: db})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	go func() { _ = a.Run(ctx) }() // ends with the test
	if err := a.AddQueue(ctx, acd.QueueConfig{Name: "q", Agents: []string{"8001"}}); err != nil {
		t.Fatal(err)
	}
	var stored acd.Config
	if err := db.View(func(tx *store.Tx) (err error) { stored, _, err = tx.ACD(); return err }); err != nil {
		t.Fatal(err)
	}
	if len(stored.Queues) != 1 || stored.Queues[0].Name != "q" || stored.Queues[0].RingTimeout != 20*time.Second {
		t.Errorf("stored %+v, want q with its defaults", stored.Queues)
	}
}
