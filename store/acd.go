package store

import (
	"encoding/json"
	"fmt"
	"time"

	"tracecall/acd"
)

// The ACD's queues and agents, as the panel and the API leave them, live in
// two store-owned meta keys:
//
//	meta/store.acd       → acdDoc as JSON: the queues and agents that run
//	meta/store.acd.file  → acdDoc as JSON: the config file's [acd] as of the
//	                       last start, for resetting to it
//
// Only queues and agents are kept; the rest of [acd] (max_talk,
// estimate_samples, callback) always comes from the file. The first start
// seeds store.acd from the file (SeedACD); after that the store is what runs.
// Values are the JSON encoding of acd.QueueConfig and acd.AgentConfig
// (durations in nanoseconds).

const (
	metaACD     = "store.acd"
	metaACDFile = "store.acd.file"
)

// acdDoc is the stored form of the ACD's queues and agents.
type acdDoc struct {
	Queues []acd.QueueConfig `json:"queues"`
	Agents []acd.AgentConfig `json:"agents"`
	Saved  time.Time         `json:"saved"`
}

// PutACD stores cfg's queues and agents as the ones that run.
func (tx *Tx) PutACD(cfg acd.Config) error {
	return tx.putACD(metaACD, cfg)
}

// ACD returns the stored queues and agents in an acd.Config (the other
// settings zero); ok is false before the first SeedACD or PutACD.
func (tx *Tx) ACD() (cfg acd.Config, ok bool, err error) {
	return tx.acd(metaACD)
}

// ACDFile returns the config file's queues and agents as of the last
// SeedACD; ok is false before the first.
func (tx *Tx) ACDFile() (cfg acd.Config, ok bool, err error) {
	return tx.acd(metaACDFile)
}

func (tx *Tx) putACD(key string, cfg acd.Config) error {
	v, err := json.Marshal(acdDoc{Queues: cfg.Queues, Agents: cfg.Agents, Saved: time.Now()})
	if err != nil {
		return fmt.Errorf("store: put %s: encode: %w", key, err)
	}
	if err := tx.bucket(bucketMeta).Put([]byte(key), v); err != nil {
		return fmt.Errorf("store: put %s: %w", key, err)
	}
	return nil
}

func (tx *Tx) acd(key string) (acd.Config, bool, error) {
	v := tx.bucket(bucketMeta).Get([]byte(key))
	if v == nil {
		return acd.Config{}, false, nil
	}
	var d acdDoc
	if err := json.Unmarshal(v, &d); err != nil {
		return acd.Config{}, false, fmt.Errorf("store: %s: decode: %w", key, err)
	}
	return acd.Config{Queues: d.Queues, Agents: d.Agents}, true, nil
}

// SaveACD stores cfg's queues and agents as the ones that run, committed
// before it returns: the ACD calls it (as its acd.Saver) before a change made
// in the panel or the API takes effect.
func (db *DB) SaveACD(cfg acd.Config) error {
	return db.Update(func(tx *Tx) error { return tx.PutACD(cfg) })
}

// SeedACD decides what the ACD runs at startup, given the config file's [acd]
// section. It keeps a copy of the file's queues and agents (for ACDFile);
// then, if the store has queues and agents from an earlier start, it returns
// file with those in place of the file's, else it stores the file's and
// returns file as it is (seeded true).
func (db *DB) SeedACD(file acd.Config) (cfg acd.Config, seeded bool, err error) {
	cfg = file
	err = db.Update(func(tx *Tx) error {
		if err := tx.putACD(metaACDFile, file); err != nil {
			return err
		}
		stored, ok, err := tx.ACD()
		switch {
		case err != nil:
			return err
		case ok:
			cfg.Queues, cfg.Agents = stored.Queues, stored.Agents
			return nil
		}
		seeded = true
		return tx.PutACD(file)
	})
	if err != nil {
		return acd.Config{}, false, err
	}
	return cfg, seeded, nil
}
