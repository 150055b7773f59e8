package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"tracecall/acd"
	"tracecall/acd/acdstore"
	"tracecall/cdr"
	"tracecall/crm"
	"tracecall/desk"
	"tracecall/drivers/sim"
	sipdriver "tracecall/drivers/sip"
	"tracecall/ivr"
	"tracecall/ivr/tts"
	"tracecall/store"
	"tracecall/switchboard"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media/clock"
	"tracecall/web"
	"tracecall/web/auth"
)

// run builds config → store → bus → drivers → apps → web, tells systemd it is
// ready, and on ctx's end shuts down in reverse: lines first (calls in progress are
// hung up and get their records), then the API, then the record writer, then the
// store.
func run(ctx context.Context, a args, log *slog.Logger) (err error) {
	tuneGC()
	cfg, err := loadConfig(a.config)
	if err != nil {
		return err
	}
	loc, err := cfg.Daemon.Location()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a.data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	// A stale addresses.json (a run that did not stop cleanly) must not be
	// read as this run's; the new one is written once the listeners are up.
	if err := removeAddresses(a.data); err != nil {
		return err
	}
	var bound addresses // what the listeners bound, for addresses.json and the ready line
	db, err := store.Open(filepath.Join(a.data, "tracecall.db"), store.Options{Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if _, err := cdr.Recover(db, log); err != nil {
		return err
	}
	token, err := apiToken(a.data, log)
	if err != nil {
		return err
	}
	// The first start creates the panel's admin and prints its password once.
	if _, err := auth.EnsureAdmin(db, log.With("component", "web.auth"), os.Stderr); err != nil {
		return err
	}
	traceOpts := cfg.Trace.Options
	if a.demo {
		if err := loadDemo(db, cfg.Trace.DemoCount(), log); err != nil {
			return err
		}
	}

	bus := event.New(log)
	defer bus.Close()
	records := cdr.New(db, bus, log)

	ttsCfg := cfg.TTS
	ttsCfg.PromptDir = filepath.Join(a.data, "prompts")
	speaker, err := tts.New(ttsCfg, log)
	if err != nil {
		return err
	}
	defer speaker.Close()

	// One media clock moves every driver's calls and mixes every room
	// (telephony/media/clock); it runs from before the lines go up until
	// after they are down.
	sparePForClock(log)
	mediaClock := clock.New(log.With("component", "clock"))
	clockCtx, stopClock := context.WithCancel(context.WithoutCancel(ctx))
	clockDone := make(chan struct{})
	go func() { defer close(clockDone); _ = mediaClock.Run(clockCtx) }()
	defer func() {
		stopClock()
		<-clockDone
		log.Info("media clock stopped", "stats", mediaClock.Stats())
	}()

	var drivers []telephony.Driver
	var serving []<-chan struct{}                  // each driver's: closed once it takes calls
	pickups := make(map[string]switchboard.Pickup) // phones the desktop can answer, by driver
	var simulator web.Simulator
	var refusals web.RefusalSource     // the SIP driver's limits, when it runs
	var throttles []web.ThrottleSource // the SIP registrar's digest guessing, shown to admins
	if a.demo || cfg.Sim.Enabled {
		simCfg := cfg.Sim
		simCfg.Clock = mediaClock
		d, err := sim.New(simCfg, bus.Client("sim"), log)
		if err != nil {
			return err
		}
		drivers = append(drivers, d)
		pickups[d.Name()] = simPickup{d}
		simulator = simAdapter{d}
		serving = append(serving, d.Serving())
	}
	sipCfg := cfg.SIP
	sipCfg.Listen, sipCfg.PhoneBook, sipCfg.Clock = sipListen(a, cfg.SIP.Listen), db, mediaClock
	// Callers the driver cannot vouch for reach only the public routes.
	sipCfg.DialPlan = ivr.NewDialPlan(cfg.IVR)
	if sipCfg.Listen != "" {
		d, err := sipdriver.New(sipCfg, bus.Client("sip"), log)
		if err != nil {
			return fmt.Errorf("%w (choose another with -sip ADDR, or -sip off)", err)
		}
		defer d.Close()
		bound.SIP = d.Addr()
		serving = append(serving, d.Serving())
		drivers = append(drivers, d)
		pickups[d.Name()] = sipPickup{d}
		refusals = sipRefusals{d}
		bySource, byAccount := d.DigestThrottles()
		throttles = []web.ThrottleSource{{Name: "sip_address", Throttle: bySource}, {Name: "sip_account", Throttle: byAccount}}
	}
	if len(drivers) == 0 {
		log.Warn("no lines configured: enable [sim] or [sip], or run with -demo")
	}
	// The core owns every call on every driver: it alone publishes a call's
	// start, answer and end. Everything that dials goes through it, and the
	// line monitor lists every driver's lines through it.
	calls, err := telephony.NewCalls(drivers, bus.Client("core"), log.With("component", "core"))
	if err != nil {
		return err
	}
	// A call is served only once its record is on disk (cdr/doc.go, "Crash
	// guarantees"), or after a bounded wait when the disk stalls.
	calls.SetJournal(records, 0)
	// The file's [acd] seeds the store on first start; after that the queues and
	// agents edited in the panel run (acd/doc.go, "Changes at runtime").
	acdCfg, seeded, err := acdstore.Seed(db, cfg.ACD)
	if err != nil {
		return err
	}
	log.Info("acd configuration", "queues", len(acdCfg.Queues), "agents", len(acdCfg.Agents), "from_file", seeded)
	warnMissingQueues(cfg.IVR, acdCfg, log)
	// The ACD decides who is offered which call and hands its offers out;
	// it needs nothing of the telephony side.
	agents, err := acd.New(acdCfg, acd.Deps{
		Events: bus.Client("acd"), Log: log.With("component", "acd"), Location: loc, Saver: acdstore.NewSaver(db),
	})
	if err != nil {
		return err
	}
	// The switchboard owns each caller from the queue to the agent: it rings
	// the ACD's offers through the core, connects the caller to whoever
	// answers, runs hold, transfers and conference for the agent desktop, and
	// calls back callers who pressed * on hold (the core keeps their call
	// open meanwhile).
	board, err := switchboard.New(switchboard.Config{CallbackRingTimeout: cfg.ACD.Callback.RingTimeout}, switchboard.Deps{
		ACD: agents, Dialer: calls, Keeper: calls, Pickups: pickups,
		Events: bus.Client("switchboard"), Log: log.With("component", "switchboard"), Clock: mediaClock,
	})
	if err != nil {
		return err
	}

	// The customer book gives VIP callers their priority in the queues and the
	// agent's screen the caller's name.
	book := crm.New(db, crm.Config{}, log.With("component", "crm"))

	voice, err := ivr.New(cfg.IVR, ivr.Deps{
		Chains:       db,
		TraceOptions: traceOpts,
		Speaker:      speaker,
		Events:       bus.Client("ivr"),
		Log:          log.With("component", "ivr"),
		Location:     loc,
		Language:     cfg.Daemon.Lang(),
		Queues:       agents,
		Board:        board,
		Callbacks:    board,
		AgentStates:  agents,
		Customers:    book,
	})
	if err != nil {
		return err
	}

	api := web.New(web.Deps{
		Store: db, Bus: bus, Lines: calls, Figures: records, Records: records, Simulator: simulator, TraceOptions: traceOpts,
		Token: token, Location: loc, Version: version(), DataDir: a.data, Log: log.With("component", "web"),
		Wallboard: web.WallboardFromACD(agents), ACD: agents,
		Desk: desk.New(agents, board), Customers: book, Refusals: refusals,
		Throttles: throttles,
	})

	// Listeners first, so a bad address fails before any line goes up.
	var servers []*http.Server
	var listeners []net.Listener
	if a.http != "" {
		ln, err := net.Listen("tcp", a.http)
		if err != nil {
			return fmt.Errorf("http listener: %w", err)
		}
		bound.HTTP = ln.Addr().String()
		listeners = append(listeners, api.LimitListener(ln))
		servers = append(servers, api.HTTPServer(api.TCPHandler()))
	}
	if a.pprof != "" {
		ln, err := listenProfiles(a.pprof)
		if err != nil {
			return err
		}
		bound.Pprof = ln.Addr().String()
		listeners = append(listeners, ln)
		servers = append(servers, api.HTTPServer(profileHandler()))
	}
	sock := filepath.Join(a.data, "tracecalld.sock")
	sln, err := listenUnix(sock)
	if err != nil {
		return err
	}
	bound.Socket = sock
	listeners = append(listeners, sln)
	servers = append(servers, api.HTTPServer(api.SocketHandler()))

	// Start everything. Each part has its own context so shutdown can go in order.
	var wg sync.WaitGroup
	start := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				log.Error("component stopped", "component", name, "err", err)
			}
		}()
	}
	recCtx, stopRecords := context.WithCancel(context.WithoutCancel(ctx))
	recDone := make(chan struct{})
	go func() {
		defer close(recDone)
		if err := records.Run(recCtx); err != nil {
			log.Error("call records stopped", "err", err)
		}
	}()
	webCtx, stopWeb := context.WithCancel(context.WithoutCancel(ctx))
	start("web.live", func() error { return api.Run(webCtx) })
	for i, srv := range servers {
		ln := listeners[i]
		start("http "+ln.Addr().String(), func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	acdCtx, stopACD := context.WithCancel(context.WithoutCancel(ctx))
	acdDone := make(chan struct{})
	go func() {
		defer close(acdDone)
		if err := agents.Run(acdCtx); err != nil {
			log.Error("acd stopped", "err", err)
		}
	}()
	if a.demo {
		demoAgents(acdCtx, agents, acdCfg, log)
	}
	lineCtx, stopLines := context.WithCancel(context.WithoutCancel(ctx))
	var lineWG sync.WaitGroup
	lineWG.Go(func() {
		if err := calls.Serve(lineCtx, voice); err != nil {
			log.Error("lines stopped", "err", err)
		}
	})
	lineWG.Go(func() { _ = board.Run(lineCtx) })
	voice.Warm(lineCtx)
	// Ready means the lines take calls: wait for every driver to serve.
	for _, up := range serving {
		select {
		case <-up:
		case <-ctx.Done():
		}
	}

	if err := writeAddresses(a.data, bound); err != nil {
		log.Error("write addresses", "err", err)
	}
	log.Info("tracecalld ready", "http", bound.HTTP, "sip", bound.SIP, "socket", sock,
		"addresses", filepath.Join(a.data, addressesFile), "data", a.data, "demo", a.demo, "version", version())
	if _, err := daemon.SdNotify(false, daemon.SdNotifyReady); err != nil {
		log.Warn("systemd notify", "err", err)
	}
	stopWatchdog := watchdog(log)

	<-ctx.Done()
	log.Info("shutting down")
	_, _ = daemon.SdNotify(false, daemon.SdNotifyStopping)
	stopWatchdog()
	stopLines()
	lineWG.Wait()
	stopACD()
	<-acdDone
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutCtx)
	}
	stopWeb()
	wg.Wait()
	stopRecords()
	<-recDone
	_ = os.Remove(sock)
	if err := removeAddresses(a.data); err != nil {
		log.Warn("remove addresses", "err", err)
	}
	log.Info("tracecalld stopped cleanly")
	return nil
}

// warnMissingQueues logs each IVR queue node whose queue does not run (yet):
// queues live in the store and may be created in the panel after the flows
// are written, so this is no error; until the queue exists, callers sent
// there go on to the node's next step.
func warnMissingQueues(flows ivr.Config, running acd.Config, log *slog.Logger) {
	have := map[string]bool{}
	for _, q := range running.Queues {
		have[q.Name] = true
	}
	for node, q := range flows.QueueNodes() {
		if !have[q] {
			log.Warn("an IVR queue node names a queue that does not exist; create it under /admin/queues",
				"node", node, "queue", q)
		}
	}
}

// demoSIP is where -demo takes SIP calls when nothing else says.
const demoSIP = "127.0.0.1:5060"

// sipListen is the SIP listen address: -sip, else [sip] listen (file), else
// the demo default with -demo; "" (or -sip off) leaves SIP off.
func sipListen(a args, file string) string {
	switch {
	case a.sip == "off":
		return ""
	case a.sip != "":
		return a.sip
	case file != "":
		return file
	case a.demo:
		return demoSIP
	}
	return ""
}

// watchdog pings systemd's watchdog at half its interval when WatchdogSec is set.
func watchdog(log *slog.Logger) (stop func()) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(interval / 2)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_, _ = daemon.SdNotify(false, daemon.SdNotifyWatchdog)
			case <-done:
				return
			}
		}
	}()
	log.Info("systemd watchdog on", "interval", interval)
	return func() { close(done) }
}

// listenUnix listens on the control socket, replacing a stale one, mode 0660.
func listenUnix(path string) (net.Listener, error) {
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, fmt.Errorf("socket %s: another tracecalld is running", path)
	}
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, fmt.Errorf("socket: %w", err)
	}
	return ln, nil
}

// apiToken reads DATA/api-token, creating it (mode 0600) on first start.
func apiToken(dir string, log *slog.Logger) (string, error) {
	path := filepath.Join(dir, "api-token")
	b, err := os.ReadFile(path)
	if err == nil {
		if tok := strings.TrimSpace(string(b)); tok != "" {
			return tok, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("api token: %w", err)
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("api token: %w", err)
	}
	tok := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("api token: %w", err)
	}
	log.Info("generated API token", "file", path)
	return tok, nil
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
		if bi.Main.Version != "" {
			return bi.Main.Version
		}
	}
	return "dev"
}

// simAdapter lets the API place calls on the simulated lines.
type simAdapter struct{ d *sim.Driver }

func (s simAdapter) SimCall(ctx context.Context, c web.SimCall) (func(context.Context) (web.SimResult, error), error) {
	caller, err := s.d.Call(ctx, sim.CallOptions{
		CallID: c.CallID, ANI: c.ANI, DNIS: c.DNIS, DTMF: c.DTMF,
		OutOfBand: c.OutOfBand, Record: c.Record, Timeout: c.Timeout,
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (web.SimResult, error) {
		r, err := caller.Wait(ctx)
		return web.SimResult{Hangup: r.Hangup, Heard: r.Heard}, err
	}, nil
}
