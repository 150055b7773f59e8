//go:build linux

package main_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
)

// simCaller is one simulated call the test placed, as the caller saw it.
type simCaller struct {
	ani   string
	mu    sync.Mutex
	id    string    // the call id, once the stream named it
	heard time.Time // the first thing the caller heard (a "said" line)
	ended bool      // the stream said the call ended
}

// placeSimCalls places a call every gap, each held for hold, until stop is
// closed, and returns the calls placed so far when asked.
func placeSimCalls(d *daemon, prefix string, gap, hold time.Duration, stop <-chan struct{}) func() []*simCaller {
	var mu sync.Mutex
	var calls []*simCaller
	go func() {
		t := time.NewTicker(gap)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			c := &simCaller{ani: fmt.Sprintf("%s%05d", prefix, i)}
			mu.Lock()
			calls = append(calls, c)
			mu.Unlock()
			ch := make(chan line, 1000)
			go func() {
				_ = d.simCall(fmt.Sprintf(`{"ani":%q,"dnis":"ivr","timeout":%q}`, c.ani, hold), ch)
				close(ch)
			}()
			go func() {
				for l := range ch {
					c.mu.Lock()
					switch {
					case l.Type == "call" && c.id == "":
						c.id = l.CallID
					case l.Type == "said" && c.heard.IsZero():
						c.heard = l.receivedAt
					case l.Type == "end":
						c.ended = true
					}
					c.mu.Unlock()
				}
			}()
		}
	}()
	return func() []*simCaller {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(calls)
	}
}

// TestKillNineLosesNoCall kills the daemon with SIGKILL at random instants
// while simulated callers keep calling, restarts it and checks that every
// call whose caller heard anything is on record: closed, interrupted,
// answered by the IVR, ending at the last moment the daemon was known
// running (by its alive stamp: before the kill, never at the restart).
func TestKillNineLosesNoCall(t *testing.T) {
	data := t.TempDir()
	type killed struct {
		calls []*simCaller
		at    time.Time
	}
	var rounds []killed
	d := startDaemon(t, data)
	for round := range 3 {
		stop := make(chan struct{})
		placed := placeSimCalls(d, fmt.Sprintf("1390%d", round), 80*time.Millisecond, 60*time.Second, stop)
		time.Sleep(time.Duration(1500+rand.IntN(2500)) * time.Millisecond) // a random instant, calls arriving and up
		_ = d.stop(syscall.SIGKILL)
		at := time.Now()
		close(stop)
		rounds = append(rounds, killed{placed(), at})
		d = startDaemon(t, data)
	}
	heard, answered := 0, 0
	for i, k := range rounds {
		for _, c := range k.calls {
			c.mu.Lock()
			id, h := c.id, c.heard
			c.mu.Unlock()
			if h.IsZero() || !h.Before(k.at) {
				continue // the caller heard nothing before the kill: nothing promised
			}
			heard++
			var r store.CallRecord
			if code := d.api("GET", "/api/calls/"+id, nil, &r); code != 200 {
				t.Errorf("round %d: call %s (%s), heard %v before the kill, has no record (%d)", i, id, c.ani, k.at.Sub(h), code)
				continue
			}
			if r.InProgress || r.Disposition != "interrupted" || r.Start.After(h) {
				t.Errorf("round %d: record %+v; want closed, interrupted, started before the caller heard (%v)", i, r, h)
			}
			// Its end: the alive stamp, at most ~1 s (and a loaded
			// machine's delay) before the kill, never after it.
			if r.End.After(k.at.Add(500*time.Millisecond)) || r.End.Before(k.at.Add(-3*time.Second)) || r.End.Before(r.Start) {
				t.Errorf("round %d: call %s ends at %v, %v from the kill; want within 3 s before it",
					i, id, r.End.Format(time.StampMilli), r.End.Sub(k.at))
			}
			if k.at.Sub(h) > 500*time.Millisecond {
				answered++
				if r.LineAnswer.IsZero() || r.LineAnswer.After(h) {
					t.Errorf("round %d: call %s heard %v before the kill, record %+v: no answer on record", i, id, k.at.Sub(h), r)
				}
			}
		}
	}
	t.Logf("%d calls heard something before one of %d kills, %d of them over 0.5 s before: all on record", heard, len(rounds), answered)
	if heard == 0 {
		t.Fatal("no call was up at any kill: the test proved nothing")
	}
}

// TestFullDataDiskLosesNoRecord runs the daemon on a small tmpfs, fills it
// and places calls: they are answered, their records wait in memory,
// /api/status, the panel and the log say the disk is full; once space
// returns every record is written, with the calls' lengths.
func TestFullDataDiskLosesNoRecord(t *testing.T) {
	disk := storetest.SmallDisk(t, 96<<20)
	// Few demo chains: loading them leaves free pages in the store (an
	// import is staged, then applied), and commits that fit in free pages
	// need no disk — the test wants the store to run out.
	config := shippedConfigWith(t, "demo_chains = 3000", "demo_chains = 20", "")
	d := &daemon{t: t, data: disk.Dir}
	d.launch("-config", config, "-data", disk.Dir, "-http", "127.0.0.1:0", "-sip", "127.0.0.1:0", "-demo")
	disk.Fill()

	type status struct {
		Records struct {
			OK     bool   `json:"ok"`
			Reason string `json:"reason"`
			Held   int    `json:"held"`
			Lost   int    `json:"lost"`
		} `json:"records"`
	}
	var st status
	var calls []*placedCall
	for batch := 0; batch < 15; batch++ {
		for i := range 20 {
			calls = append(calls, place(t, d, fmt.Sprintf("137%02d%05d", batch, i), "ivr", 3*time.Second))
		}
		for _, c := range calls[len(calls)-20:] {
			<-c.done
		}
		d.getJSON("/api/status", &st)
		if st.Records.Held > 0 {
			break
		}
	}
	if st.Records.OK || st.Records.Reason != "disk_full" || st.Records.Held == 0 {
		t.Fatalf("after %d calls on a full disk /api/status says records %+v; want held, disk_full", len(calls), st.Records)
	}
	if p := d.page("/"); !strings.Contains(p, "数据盘已满") {
		t.Errorf("the panel does not say the data disk is full:\n%s", p)
	}
	if n := strings.Count(d.log.String(), "call records cannot be written"); n != 1 || !strings.Contains(d.log.String(), "reason=disk_full") {
		t.Errorf("the log says %d times that records cannot be written (want once, with reason=disk_full)", n)
	}

	disk.Free()
	eventually(t, 20*time.Second, func() string {
		d.getJSON("/api/status", &st)
		if !st.Records.OK || st.Records.Held != 0 || st.Records.Lost != 0 {
			return fmt.Sprintf("records after space returned: %+v", st.Records)
		}
		return ""
	})
	if !strings.Contains(d.log.String(), "call records written again") {
		t.Error("the log does not say the records are written again")
	}
	for _, c := range calls {
		var r store.CallRecord
		if code := d.api("GET", "/api/calls/"+c.id, nil, &r); code != 200 {
			t.Errorf("call %s has no record (%d)", c.id, code)
			continue
		}
		if r.InProgress || r.Duration < 2 || r.Duration > 5 {
			t.Errorf("record of %s after space returned: in progress %v, %.1f s long; want ended, about 3 s", c.id, r.InProgress, r.Duration)
		}
	}
	t.Logf("%d calls placed on the full disk before records were held", len(calls))
}
