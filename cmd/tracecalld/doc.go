// Command tracecalld is the tracecall appliance daemon: it answers the hotline on
// its lines, runs the IVR, keeps call records and trace data in its store, and
// serves the API on a TCP address and a unix socket (for tracectl).
//
// Usage:
//
//	tracecalld [-config FILE] [-data DIR] [-http ADDR] [-sip ADDR] [-demo] [-log-level LEVEL] [-pprof ADDR]
//
// -demo runs simulated lines and loads demo trace data into an empty store.
// -pprof serves Go's profiles on a loopback address, for performance work.
// Unless GOGC and GOMAXPROCS are set, the daemon runs with GOGC 50 and at least
// three Ps (the media clock keeps two on threads of its own: telephony/media/clock). The
// daemon logs to stderr (journald), tells systemd READY=1 once its lines and
// listeners are up, pings the watchdog when WatchdogSec is set, and on SIGTERM
// hangs up calls in progress (they get their records) before it stops.
package main
