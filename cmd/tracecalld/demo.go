package main

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"time"

	"tracecall/acd"
	"tracecall/store"
	"tracecall/trace"
)

// loadDemo fills an empty store with n generated chains; a store with chains is
// left alone.
func loadDemo(db *store.DB, n int, log *slog.Logger) error {
	have, err := db.CountChains()
	if err != nil {
		return err
	}
	if have > 0 || n == 0 {
		return nil
	}
	start := time.Now()
	g := trace.NewGenerator(trace.DemoSeed) // the codes in the README always exist
	var seq iter.Seq[trace.Chain] = func(yield func(trace.Chain) bool) {
		for i := range n {
			if !yield(g.Chain(i)) {
				return
			}
		}
	}
	got, err := db.ImportChains(context.Background(), seq, 0)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	log.Info("loaded demo trace data", "chains", got, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// demoAgents logs in, ready, every agent whose phone is a simulated one, so
// that a demo caller who presses 0 reaches someone.
func demoAgents(ctx context.Context, a *acd.ACD, cfg acd.Config, log *slog.Logger) {
	for _, ag := range cfg.Agents {
		if !strings.HasPrefix(ag.Extension, "sim:") {
			continue
		}
		if err := a.Login(ctx, ag.ID); err != nil {
			log.Warn("demo agent login", "agent", ag.ID, "err", err)
			continue
		}
		log.Info("demo agent logged in", "agent", ag.ID, "extension", ag.Extension)
	}
}
