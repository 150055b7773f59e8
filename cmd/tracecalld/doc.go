// Command tracecalld is the tracecall appliance daemon: it answers the hotline on
// its lines, runs the IVR, keeps call records and trace data in its store, and
// serves the API on a TCP address and a unix socket (for tracectl).
//
// Usage:
//
//	tracecalld [-config FILE] [-data DIR] [-http ADDR] [-sip ADDR] [-demo] [-log-level LEVEL] [-pprof ADDR]
//
// -demo runs simulated lines and loads demo trace data into an empty store.
// -http and -sip take port 0 for a port the kernel picks: once its listeners
// are up the daemon writes what it bound to DATA/addresses.json (keys http,
// sip, pprof, socket; written atomically, removed at a clean stop) and names
// it in the "tracecalld ready" log line. The tests start it that way.
// -pprof serves Go's profiles on a loopback address, for performance work.
// Unless GOGC and GOMAXPROCS are set, the daemon runs with GOGC 50 and at least
// three Ps (the media clock keeps two on threads of its own: telephony/media/clock). The
// daemon logs to stderr (journald), tells systemd READY=1 once its lines and
// listeners are up, pings the watchdog when WatchdogSec is set, and on SIGTERM
// hangs up calls in progress (they get their records) before it stops.
package main
