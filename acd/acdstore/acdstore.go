package acdstore

import (
	"fmt"
	"time"

	"tracecall/acd"
	"tracecall/store"
)

// The meta keys of the two documents (see the package doc).
const (
	keyRunning = "store.acd"
	keyFile    = "store.acd.file"
)

// doc is the stored form of the ACD's queues and agents. Its JSON is the
// format on disk: change it only with a way to read what is already there.
type doc struct {
	Queues []acd.QueueConfig `json:"queues"`
	Agents []acd.AgentConfig `json:"agents"`
	Saved  time.Time         `json:"saved"`
}

func newDoc(cfg acd.Config) doc {
	return doc{Queues: cfg.Queues, Agents: cfg.Agents, Saved: time.Now()}
}

// config returns d's queues and agents in an acd.Config, the other settings
// zero.
func (d doc) config() acd.Config {
	return acd.Config{Queues: d.Queues, Agents: d.Agents}
}

// Seed decides what the ACD runs at startup, given the config file's [acd]
// section. It keeps a copy of the file's queues and agents (for File); then,
// if the store has queues and agents from an earlier start, it returns file
// with those in place of the file's, else it stores the file's and returns
// file as it is (seeded true). All of it is one transaction.
func Seed(db *store.DB, file acd.Config) (cfg acd.Config, seeded bool, err error) {
	cfg = file
	err = db.Update(func(tx *store.Tx) error {
		if err := tx.PutDoc(keyFile, newDoc(file)); err != nil {
			return err
		}
		var stored doc
		ok, err := tx.Doc(keyRunning, &stored)
		switch {
		case err != nil:
			return err
		case ok:
			cfg.Queues, cfg.Agents = stored.Queues, stored.Agents
			return nil
		}
		seeded = true
		return tx.PutDoc(keyRunning, newDoc(file))
	})
	if err != nil {
		return acd.Config{}, false, fmt.Errorf("acdstore: seed: %w", err)
	}
	return cfg, seeded, nil
}

// Running returns the stored queues and agents that run, in an acd.Config
// (the other settings zero); ok is false before the first Seed or save.
func Running(db *store.DB) (cfg acd.Config, ok bool, err error) {
	return read(db, keyRunning)
}

// File returns the config file's queues and agents as of the last Seed, in
// an acd.Config (the other settings zero); ok is false before the first.
func File(db *store.DB) (cfg acd.Config, ok bool, err error) {
	return read(db, keyFile)
}

func read(db *store.DB, key string) (acd.Config, bool, error) {
	var d doc
	ok, err := db.Doc(key, &d)
	if err != nil || !ok {
		return acd.Config{}, false, err
	}
	return d.config(), true, nil
}

// Saver is the store as the ACD's acd.Saver.
type Saver struct {
	db *store.DB
}

// NewSaver returns a Saver that keeps the ACD's queues and agents in db.
func NewSaver(db *store.DB) *Saver {
	return &Saver{db: db}
}

// SaveACD stores cfg's queues and agents as the ones that run, committed
// before it returns: the ACD calls it before a change made in the panel or
// the API takes effect.
func (s *Saver) SaveACD(cfg acd.Config) error {
	if err := s.db.PutDoc(keyRunning, newDoc(cfg)); err != nil {
		return fmt.Errorf("acdstore: save: %w", err)
	}
	return nil
}

var _ acd.Saver = (*Saver)(nil)
