package clock

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// Stats say how the clock kept time: the one set of lateness figures for
// every driver's streams and every room (package doc, "Lateness figures").
type Stats struct {
	Streams   int    // streams on the clock now
	Ticks     uint64 // ticks run
	Frames    uint64 // frames moved: one per stream per tick
	Underruns uint64 // Sends with no frame from an app that had been writing
	Overruns  uint64 // frames a Receive dropped because its app fell behind
	Behind    uint64 // ticks run a whole tick or more late, catching up
	Skipped   uint64 // ticks given up, owed beyond MaxCatchUp
	// How late phases started past their time on the grid: percentiles
	// to histBucket's resolution, and the maximum.
	LateP50, LateP99, LateMax time.Duration
}

// LogValue logs the figures as a group.
func (s Stats) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("streams", s.Streams),
		slog.Uint64("ticks", s.Ticks),
		slog.Uint64("frames", s.Frames),
		slog.Uint64("underruns", s.Underruns),
		slog.Uint64("overruns", s.Overruns),
		slog.Uint64("behind", s.Behind),
		slog.Uint64("skipped", s.Skipped),
		slog.Duration("late_p50", s.LateP50),
		slog.Duration("late_p99", s.LateP99),
		slog.Duration("late_max", s.LateMax),
	)
}

// Stats reads the figures so far.
func (c *Clock) Stats() Stats {
	s := Stats{
		Streams: c.Len(),
		Ticks:   c.st.ticks.Load(), Frames: c.st.frames.Load(),
		Underruns: c.st.under.Load(), Overruns: c.st.over.Load(),
		Behind: c.st.behind.Load(), Skipped: c.st.skipped.Load(),
	}
	s.LateP50, s.LateP99, s.LateMax = c.st.late.read()
	return s
}

// counters are the clock's figures, each updated without a lock by
// whichever worker ran the phase.
type counters struct {
	ticks, frames, under, over, behind, skipped atomic.Uint64
	late                                        lateness
}

const (
	// histBucket is the lateness histogram's resolution; histBuckets of
	// it cover 200 ms, and one more counts everything later.
	histBucket  = 50 * time.Microsecond
	histBuckets = 4000
)

// lateness is a histogram of how late phases started.
type lateness struct {
	hist [histBuckets + 1]atomic.Uint64
	n    atomic.Uint64
	max  atomic.Int64
}

func (l *lateness) record(d time.Duration) {
	d = max(d, 0)
	l.hist[min(int(d/histBucket), histBuckets)].Add(1)
	l.n.Add(1)
	for {
		old := l.max.Load()
		if int64(d) <= old || l.max.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// read returns the median, the 99th percentile (each the upper edge of its
// bucket) and the maximum.
func (l *lateness) read() (p50, p99, maxLate time.Duration) {
	maxLate = time.Duration(l.max.Load())
	n := l.n.Load()
	if n == 0 {
		return 0, 0, maxLate
	}
	at := func(p float64) time.Duration {
		want := uint64(p * float64(n))
		var seen uint64
		for i := range l.hist {
			seen += l.hist[i].Load()
			if seen > want {
				return min(time.Duration(i+1)*histBucket, maxLate)
			}
		}
		return maxLate
	}
	return at(0.50), at(0.99), maxLate
}
