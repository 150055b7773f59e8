package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Shanghai without the system's zoneinfo
)

// args are the command-line flags: paths and overrides only; the rest is config.
type args struct {
	config   string
	data     string
	http     string
	sip      string
	demo     bool
	logLevel string
	pprof    string
}

func parseArgs(argv []string) (args, error) {
	var a args
	fs := flag.NewFlagSet("tracecalld", flag.ContinueOnError)
	fs.StringVar(&a.config, "config", "/etc/tracecall/tracecall.toml", "configuration `file` (TOML)")
	fs.StringVar(&a.data, "data", "/var/lib/tracecall", "data `directory`: store, api-token, socket, prompts")
	fs.StringVar(&a.http, "http", "127.0.0.1:8080", "HTTP API listen `address` (port 0: any free port, see DATA/addresses.json; empty to disable)")
	fs.StringVar(&a.sip, "sip", "", "SIP listen `address`, UDP and TCP (default: [sip] listen, or 127.0.0.1:5060 with -demo; port 0: any free port, see DATA/addresses.json; \"off\" disables)")
	fs.BoolVar(&a.demo, "demo", false, "simulated lines, and demo trace data when the store is empty")
	fs.StringVar(&a.logLevel, "log-level", "info", "log `level`: debug, info, warn, error")
	fs.StringVar(&a.pprof, "pprof", "", "serve Go's profiles (/debug/pprof/) on this loopback `address`, for performance work; empty: off")
	if err := fs.Parse(argv); err != nil {
		return a, err
	}
	if fs.NArg() > 0 {
		return a, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return a, nil
}

func main() {
	a, err := parseArgs(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracecalld:", err)
		os.Exit(2)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "tracecalld: -log-level:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, a, log); err != nil {
		log.Error("tracecalld stopped", "err", err)
		os.Exit(1)
	}
}
