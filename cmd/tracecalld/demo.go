package main

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"time"

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
