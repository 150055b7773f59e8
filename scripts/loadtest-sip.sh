#!/usr/bin/env bash
# loadtest-sip.sh: hold C simultaneous SIPp callers in the demo trace IVR of a
# fresh tracecalld and print what happened: calls attempted, completed and
# failed, codes collected right, how many calls were really up while the
# figures were taken, the daemon's CPU (and per call up) and memory, call
# setup time, RTP send timing and loss per direction, and whether the run
# was bound by the generator rather than the daemon.
#
# Bound by the generator: SIPp runs on one core (CPU 0) and saturates it
# before the daemon does (a "C=800" run held 593-777 calls on 2026-12-07).
# The script then says so on a GENERATOR-BOUND line with its reasons, and
# such a run's figures are SIPp's, not the daemon's: CPU 0 busy over 90 %
# (SIPp's own share is printed; on a shared machine the rest is other
# work), fewer than 95 % of C calls up on average (the daemon's SIP lines
# in a call, sampled each second through the window), SIPp's INVITE->200
# average over three times the daemon's on the wire (and 20 ms more: SIPp's
# queueing), or SIPp's RTP pacing p99 |d-20 ms| over 10 ms. Per-call cost
# is the daemon's CPU divided by the calls up, not by C. The daemon's own
# RTP packet rate / 50 is printed beside it (lower when its clock skipped
# ticks).
#
# Measured the way the Asterisk anchor was (issue 3): the daemon pinned to
# CPU 1, SIPp and the capture to CPU 0, on this one machine; by default SIPp
# sits in a network namespace of its own (NET below), so that each side pays
# for the packets it receives. Each caller keys "1",
# the demo trace code and "#" while the welcome plays, and hangs up HOLD_MS
# after the answer. Every step is bounded by a timeout.
#
#   make loadtest C=800                  # or: sudo scripts/loadtest-sip.sh
#   C=400 MODE=inband scripts/loadtest-sip.sh
#
# Knobs (environment):
#   NET=veth       where SIPp sits: veth puts it in its own network namespace
#                  behind a veth pair, with the receive work of packets to it
#                  steered to CPU 0 (RPS), so each side pays for what it
#                  receives, as between two hosts. NET=lo is the anchor's
#                  loopback, where the kernel delivers each packet in the
#                  sender's system call: the daemon's sendto then pays for
#                  offering every packet to each of SIPp's per-call raw
#                  play_pcap_audio sockets (800 of them at C=800, ~15 µs a
#                  packet), SIPp's cost billed to the daemon.
#   C=200          simultaneous calls (-l), new calls at C/7 per second
#   M=4*C          calls in all (-m)
#   MODE=rfc4733   or inband (uac-ivr-inband.xml: the IVR detects tones), or
#                  both (RFC 4733 events and the tones under them, as a
#                  gateway set to send both: each press must count once)
#   HOLD_MS=8400   how long each caller stays after the answer
#   CODE=11010600524031500425   the demo pork chain's trace code
#   CAPTURE_S=10   RTP capture (and CPU sample) window, taken once C calls are up
#   KEEP=1         keep the work directory (logs, captures, SIPp stats)
#   QUIET_WAIT=60  seconds to wait for CPU 1 to fall idle (under 10 % busy)
#                  before starting; other load there skews every figure
#   PERF=1         also profile the daemon with perf over the sample window and
#                  print where its CPU time goes (needs perf: apt-get install linux-perf)
#   PPROF=1        also take the daemon's own CPU and allocation profiles over
#                  the sample window and its heap at the end of it (tracecalld
#                  -pprof), and print the top of each (go tool pprof); KEEP=1
#                  keeps them. TRACE=1 adds a 3 s execution trace (trace.out,
#                  go tool trace).
#   LOCK=/run/lock/tracecall-loadtest.lock  one load test at a time: a second
#                  waits for the first (LOCK_WAIT=900 seconds at most)
#   TRACECALLD=bin/tracecalld  run this binary as it is instead of building one
#   CONFIG=rootfs/etc/tracecall/tracecall.toml  the daemon's config (RTP range from it)
#   NICE=0         nice value for the daemon, SIPp and the capture: -10 shields
#                  the figures from other work on a shared machine (it changes
#                  nothing on a quiet one)
#   CHRT=""        run the daemon under chrt with these arguments, e.g. CHRT="-r 10"
#                  (SCHED_RR, as Asterisk's -p). Beware: with every thread
#                  real-time on one CPU, a runtime thread spinning for another
#                  stalls the daemon until the kernel's RT throttling (~1 s);
#                  the daemon raises only its media clock's threads (nice -20)
#   GOMAXPROCS     passed to the daemon as it is (unset: the daemon takes 3 on
#                  the one CPU, two for its media clock's workers; GOGC likewise,
#                  unset: 50)
#
# Needs root (SIPp's play_pcap_audio sends through a raw socket; the network
# namespace, RPS and interrupt affinity), sipp (sip-tester), python3, taskset,
# curl, dumpcap (tshark) and ip (iproute2).
set -euo pipefail

C=${C:-200}
M=${M:-$((4 * C))}
MODE=${MODE:-rfc4733}
HOLD_MS=${HOLD_MS:-8400}
CODE=${CODE:-11010600524031500425}
CAPTURE_S=${CAPTURE_S:-10}
KEEP=${KEEP:-0}
GO=${GO:-go}
NICE=${NICE:-0}
CHRT=${CHRT:-}
NET=${NET:-veth}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

die() { echo "loadtest: $*" >&2; exit 1; }

case $MODE in
rfc4733 | both) scenario=uac-ivr.xml pcap=dtmf-rfc4733.pcap ;;
inband) scenario=uac-ivr-inband.xml pcap=dtmf-inband.pcap ;;
*) die "MODE=$MODE: want rfc4733, inband or both" ;;
esac
[[ $C =~ ^[0-9]+$ && $C -gt 0 ]] || die "C=$C: want a positive number of calls"
[[ $NICE =~ ^-?[0-9]+$ ]] || die "NICE=$NICE: want a nice value (-20..19)"
case $NET in veth | lo) ;; *) die "NET=$NET: want veth or lo" ;; esac

missing=""
for t in sipp:sip-tester python3:python3 taskset:util-linux curl:curl dumpcap:tshark ip:iproute2; do
	command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
done
if [ "$(id -u)" != 0 ]; then
	[ -z "$missing" ] || echo "loadtest: missing tools: sudo apt-get install -y$missing" >&2
	die "run as root: SIPp's play_pcap_audio needs a raw socket (sudo make loadtest C=$C)"
fi
if [ -n "$missing" ]; then
	echo "loadtest: installing$missing"
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y$missing </dev/null ||
		die "could not install:$missing (apt-get update && apt-get install -y$missing)"
fi
cpus=$(nproc)
if [ "$cpus" -lt 2 ]; then
	die "needs 2 CPUs (daemon on CPU 1, SIPp on CPU 0); this machine has $cpus"
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/loadtest-sip.XXXXXX)
pids=()
netns="" backlog="" irqs=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ -n "$netns" ]; then
		ip netns del "$netns" 2>/dev/null || true
		ip link del "lt$$" 2>/dev/null || true
	fi
	[ -z "$backlog" ] || sysctl -qw net.core.netdev_max_backlog="$backlog" || true
	for i in "${irqs[@]}"; do
		echo "${i#*=}" >"${i%%=*}" 2>/dev/null || true
	done
	if [ "$KEEP" = 1 ]; then
		echo "loadtest: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# One load test at a time: two would share both CPUs (and the interrupt
# affinities and the backlog this one sets and restores), and each one's
# figures would be the other's too. The lock is held until this shell exits.
lock=${LOCK:-/run/lock/tracecall-loadtest.lock}
exec 9>"$lock"
if ! flock -n 9; then
	echo "loadtest: another load test holds $lock; waiting for it (at most ${LOCK_WAIT:-900} s)"
	flock -w "${LOCK_WAIT:-900}" 9 || die "another load test still holds $lock"
fi

# CPU 1 is the daemon's alone: this script and all it starts run on CPU 0
# (the daemon is moved to CPU 1 by its own taskset), and so do the device
# interrupts (the disk's, above all, which the store's fsyncs raise), until
# the end of the run.
taskset -cp 0 $$ >/dev/null
for f in /proc/irq/[0-9]*/smp_affinity_list; do
	a=$(cat "$f" 2>/dev/null) || continue
	[ "$a" = 0 ] && continue
	echo 0 >"$f" 2>/dev/null && irqs+=("$f=$a")
done

# free_port prints a loopback port free over both UDP and TCP.
free_port() {
	python3 - <<'EOF'
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        t.close()
    u.close()
    if port < 10000 or port > 20001:  # not in the daemon's RTP range
        print(port)
        break
EOF
}

bin=${TRACECALLD:-}
if [ -z "$bin" ]; then
	echo "loadtest: building bin/tracecalld"
	timeout 300 "$GO" build -o bin/ ./cmd/tracecalld
	bin=bin/tracecalld
fi
[ -x "$bin" ] || die "$bin: not an executable"

config=${CONFIG:-rootfs/etc/tracecall/tracecall.toml}
rtp_min=$(awk -F' *= *' '/^rtp_port_min/ { print $2 }' "$config")
rtp_max=$(awk -F' *= *' '/^rtp_port_max/ { print $2 }' "$config")
rtp_min=${rtp_min:-10000}
rtp_max=$((${rtp_max:-20000} + 1))
http_port=$(free_port)
sip_port=$(free_port)
uac_port=$(free_port)
media_port=$(free_port)
[ -n "$http_port" ] && [ -n "$sip_port" ] && [ -n "$uac_port" ] && [ -n "$media_port" ] || die "no free ports"
http=127.0.0.1:$http_port
pprof_args=()
if [ "${PPROF:-0}" = 1 ]; then
	pprof_addr=127.0.0.1:$(free_port)
	pprof_args=(-pprof "$pprof_addr")
fi

# The network between SIPp and the daemon (see NET above). In the namespace
# SIPp's address is 10.253.N.2, the daemon's 10.253.N.1 on the host side,
# N from 77 up, the first no interface uses (a run of an older copy of this
# script may hold 77: the daemon's packets would go to its SIPp).
dev=lo daemon_ip=127.0.0.1 sipp_ip=127.0.0.1 in_ns=()
if [ "$NET" = veth ]; then
	n=77
	while ip -o -4 addr show | grep -q " 10\.253\.$n\."; do
		n=$((n + 1))
		[ "$n" -le 254 ] || die "no free 10.253.N.0/30 for the veth pair"
	done
	netns=tracecall-lt$$ dev=lt$$ daemon_ip=10.253.$n.1 sipp_ip=10.253.$n.2 in_ns=(ip netns exec "$netns")
	ip netns add "$netns"
	ip link add "$dev" type veth peer name eth0 netns "$netns"
	ip addr add "$daemon_ip/30" dev "$dev"
	ip link set "$dev" up
	ip -n "$netns" addr add "$sipp_ip/30" dev eth0
	ip -n "$netns" link set eth0 up
	ip -n "$netns" link set lo up
	# Packets to SIPp are taken in on CPU 0, SIPp's; a deeper backlog there
	# holds the bursts of a 20 ms tick while CPU 0 is busy.
	"${in_ns[@]}" sh -c 'echo 1 >/sys/class/net/eth0/queues/rx-0/rps_cpus'
	backlog=$(sysctl -n net.core.netdev_max_backlog)
	sysctl -qw net.core.netdev_max_backlog=$((backlog > 20000 ? backlog : 20000))
fi

# SIPp carries many callers from one address, as a trunk does: list it as a
# peer, or the per-source call limits (drivers/sip, [[sip.peers]]) hold it
# to a stranger's share of the lines.
cp "$config" "$work/tracecall.toml"
cat >>"$work/tracecall.toml" <<EOF

# loadtest-sip.sh: SIPp's callers come as through a trunk.
[[sip.peers]]
name = "loadtest"
addresses = ["$sipp_ip"]
EOF
mkdir -p "$work/data"
# shellcheck disable=SC2086 # CHRT is a list of chrt's arguments
taskset -c 1 ${CHRT:+chrt $CHRT} nice -n "$NICE" "$bin" -config "$work/tracecall.toml" -data "$work/data" -http "$http" \
	-sip "$daemon_ip:$sip_port" "${pprof_args[@]}" -demo 2>"$work/daemon.log" &
daemon=$!
pids+=("$daemon")
for _ in $(seq 600); do
	curl -sf -o /dev/null "http://$http/healthz" && break
	kill -0 "$daemon" 2>/dev/null || die "tracecalld exited: $(tail -5 "$work/daemon.log")"
	sleep 0.1
done
curl -sf -o /dev/null "http://$http/healthz" || die "tracecalld not healthy after 60 s"
token=$(cat "$work/data/api-token")

# The callers' RTP: voice lead-in, then the keys typed ahead while the
# welcome plays, then silence until they hang up.
cp "drivers/sip/testdata/$scenario" "$work/"
python3 drivers/sip/testdata/gen_dtmf_pcap.py --mode "$MODE" --code "1${CODE}#" \
	--leadin 2.0 --total $(((HOLD_MS + 999) / 1000)) --out "$work/$pcap" >/dev/null

# Wait (bounded) for CPU 1 to be quiet: the figures are the daemon's only
# if nothing else runs there.
cpu_busy_ticks() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
cpu1_ticks() { cpu_busy_ticks 1; }
# steal: time the hypervisor ran something else while CPU 1 wanted to run
cpu1_steal() { awk '$1 == "cpu1" { print $9 }' /proc/stat; }
hz=$(getconf CLK_TCK)
for _ in $(seq "${QUIET_WAIT:-60}"); do
	q0=$(cpu1_ticks)
	sleep 1
	q1=$(cpu1_ticks)
	[ $((100 * (q1 - q0) / hz)) -lt 10 ] && break
done

# SIP on the wire for the whole run: the daemon's own INVITE->200 time,
# without SIPp's queueing on a busy CPU 0 (scripts/sip_setup.py).
taskset -c 0 nice -n "$NICE" timeout 900 dumpcap -q -P -i "$dev" -s 2048 -B 16 -f "udp port $sip_port" \
	-w "$work/sip.pcap" 2>"$work/dumpcap-sip.log" &
cap_sip=$!
pids+=("$cap_sip")
sleep 1

rate=$(((C + 6) / 7))
sipp_timeout=$((M / rate + HOLD_MS / 1000 + 60))
echo "loadtest: $C calls at once ($M in all, $rate/s, $MODE, ${HOLD_MS} ms each) against $daemon_ip:$sip_port over $dev"
(
	cd "$work"
	exec "${in_ns[@]}" timeout $((sipp_timeout + 10)) taskset -c 0 nice -n "$NICE" sipp "$daemon_ip:$sip_port" -sf "$scenario" -s ivr \
		-i "$sipp_ip" -p "$uac_port" -mi "$sipp_ip" -mp "$media_port" \
		-r "$rate" -l "$C" -m "$M" -d "$HOLD_MS" -timeout "${sipp_timeout}s" \
		-nostdin -max_socket 20000 -default_behaviors all,-abortunexp \
		-trace_stat -stf stat.csv -fd 1 -trace_err -error_file err.log
) >"$work/sipp.out" 2>&1 &
sipp=$!
pids+=("$sipp")
# SIPp itself: the child of the timeout that $sipp became (ip netns exec,
# taskset and nice exec in place).
sipp_proc() {
	local p
	for p in $(pgrep -P "$sipp" 2>/dev/null); do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sipp ]; then
			echo "$p"
			return
		fi
	done
}
# The daemon's RSS once a second while SIPp runs (the peak of the run, not
# of startup, where the demo data and prompts are made).
(
	while kill -0 "$sipp" 2>/dev/null; do
		awk '/^VmRSS/ { r = $2 } /^RssFile/ { f = $2 } END { print r, f }' "/proc/$daemon/status"
		sleep 1
	done
) >"$work/rss.kb" 2>/dev/null &
pids+=("$!")

# Once all C calls are up: capture both directions of the daemon's RTP and
# sample its CPU and memory over the same window.
sleep $((C / rate + 3))
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }
cap=(-q -P -i "$dev" -s 64 -B 64 -a "duration:$CAPTURE_S")
taskset -c 0 nice -n "$NICE" timeout $((CAPTURE_S + 10)) dumpcap "${cap[@]}" -f "udp src portrange $rtp_min-$rtp_max" \
	-w "$work/out.pcap" 2>"$work/dumpcap-out.log" &
cap_out=$!
taskset -c 0 nice -n "$NICE" timeout $((CAPTURE_S + 10)) dumpcap "${cap[@]}" -f "udp dst portrange $rtp_min-$rtp_max" \
	-w "$work/in.pcap" 2>"$work/dumpcap-in.log" &
cap_in=$!
pids+=("$cap_out" "$cap_in")
if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null; then
	taskset -c 0 timeout $((CAPTURE_S + 20)) perf record -q -F 499 -g -p "$daemon" -o "$work/perf.data" \
		-- sleep "$CAPTURE_S" >/dev/null 2>&1 &
	pids+=("$!")
fi
if [ "${PPROF:-0}" = 1 ]; then
	taskset -c 0 curl -sf -o "$work/cpu.pprof" "http://$pprof_addr/debug/pprof/profile?seconds=$CAPTURE_S" &
	pids+=("$!")
	taskset -c 0 curl -sf -o "$work/allocs.pprof" "http://$pprof_addr/debug/pprof/allocs?seconds=$CAPTURE_S" &
	pids+=("$!")
	[ "${TRACE:-0}" = 0 ] || taskset -c 0 curl -sf -o "$work/trace.out" "http://$pprof_addr/debug/pprof/trace?seconds=3" &
fi
# in_call prints how many SIP lines are in a call in each /api/lines answer
# given as a file.
in_call() {
	python3 - "$@" <<'EOF'
import json, sys
for path in sys.argv[1:]:
    try:
        lines = [{k.lower(): v for k, v in l.items()} for l in json.load(open(path))]
    except (OSError, ValueError):
        continue
    print(sum(1 for l in lines if str(l.get("line", "")).startswith("sip/") and l.get("state") == "in-call"))
EOF
}
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
sp=$(sipp_proc)
t0=$(date +%s.%N) c0=$(cpu_ticks) b0=$(cpu1_ticks) s0=$(cpu1_steal) g0=$(cpu_busy_ticks 0) p0=$(proc_ticks "${sp:-0}")
# The calls up, once a second through the window: the daemon's own lines,
# fetched now (curl only: CPU 0 is SIPp's) and counted afterwards.
mkdir -p "$work/lines"
for i in $(seq "$CAPTURE_S"); do
	sleep 1
	curl -sf -m 2 -o "$work/lines/$i.json" -H "Authorization: Bearer $token" "http://$http/api/lines" || true
done
[ "${PPROF:-0}" != 1 ] || taskset -c 0 curl -sf -o "$work/heap.pprof" "http://$pprof_addr/debug/pprof/heap?gc=1" || true
t1=$(date +%s.%N) c1=$(cpu_ticks) b1=$(cpu1_ticks) s1=$(cpu1_steal) g1=$(cpu_busy_ticks 0) p1=$(proc_ticks "${sp:-0}")
read -r rss_kb rss_file_kb < <(awk '/^VmRSS/ { r = $2 } /^RssFile/ { f = $2 } END { print r, f }' "/proc/$daemon/status")
in_call "$work"/lines/*.json >"$work/calls_up"
read -r up_min up_avg up_max < <(awk 'NF { n++; s += $1; if (n == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
	END { if (n) printf "%d %.0f %d\n", lo, s / n, hi; else print "? ? ?" }' "$work/calls_up")
wait "$cap_out" "$cap_in" || true
pct() { awk -v a="$1" -v b="$2" -v t0="$t0" -v t1="$t1" -v hz="$ticks" 'BEGIN { printf "%.1f", 100 * (b - a) / hz / (t1 - t0) }'; }
cpu_pct=$(pct "$c0" "$c1")
cpu1_pct=$(pct "$b0" "$b1")
steal_pct=$(pct "$s0" "$s1")
cpu0_pct=$(pct "$g0" "$g1")
sipp_pct=$([ -n "$sp" ] && pct "$p0" "$p1" || echo "?")
load=$(cut -d' ' -f1-3 /proc/loadavg)

wait "$sipp" || echo "loadtest: sipp exited $? (see $work/sipp.out; KEEP=1 keeps it)"
read -r rss_max_kb rss_max_file_kb < <(sort -n "$work/rss.kb" | tail -1)
kill "$cap_sip" 2>/dev/null || true
wait "$cap_sip" 2>/dev/null || true
sleep 2 # the last call records close just after their BYE

# SIPp's cumulative counters from the last line of its stat CSV; SIPp times
# in whole milliseconds, so the setup time comes with its histogram.
read -r attempted completed failed setup_avg setup_hist < <(python3 - "$work/stat.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
h, last = rows[0], rows[-1]
col = lambda name: last[h.index(name)]
def ms(v):  # HH:MM:SS:uuuuuu
    p = v.split(':')
    return (int(p[0]) * 3600 + int(p[1]) * 60 + int(p[2])) * 1000 + int(p[3]) / 1000.0
hist = ','.join('%s:%s' % (n.split('_')[1], col(n)) for n in h if n.startswith('ResponseTimeRepartition1_'))
print(col('OutgoingCall(C)'), col('SuccessfulCall(C)'), col('FailedCall(C)'), '%.1f' % ms(col('ResponseTime1(C)')), hist)
EOF
)

# Codes collected right: SIP calls whose record shows the code found.
curl -sf -H "Authorization: Bearer $token" "http://$http/api/calls?limit=10000" >"$work/calls.json" || echo '[]' >"$work/calls.json"
read -r sip_calls codes_ok codes_wrong < <(python3 -c '
import collections, json, sys
code = sys.argv[1]
calls = [c for c in json.load(open(sys.argv[2])) if (c.get("line") or "").startswith("sip/")]
ok, wrong = 0, collections.Counter()
for c in calls:
    ks = c.get("codes") or []
    if any(k.get("code") == code and k.get("result") == "found" for k in ks):
        ok += 1
    else:
        wrong[",".join("%s:%s" % (k.get("result"), k.get("code")) for k in ks) or "no-code"] += 1
print(len(calls), ok, ";".join("%dx%s" % (n, w) for w, n in wrong.most_common(3)) or "-")' "$CODE" "$work/calls.json")

# Stop the daemon: it logs its media clock's figures for the whole run
# (telephony/media/clock's Stats), and every call's counts.
kill -TERM "$daemon" 2>/dev/null || true
for _ in $(seq 150); do
	kill -0 "$daemon" 2>/dev/null || break
	sleep 0.1
done
clock=$(grep -m1 'msg="media clock stopped"' "$work/daemon.log" | tr ' ' '\n' | awk -F= '/^stats\./ { sub(/^stats\./, "", $1); v[$1] = $2 }
END { if (length(v)) printf "late p50/p99/max %s / %s / %s, %s ticks behind, %s skipped, underruns %s / overruns %s of %s frames",
	v["late_p50"], v["late_p99"], v["late_max"], v["behind"], v["skipped"], v["underruns"], v["overruns"], v["frames"] }' || true)

# The daemon's own receive-side counts, from its "call ended" log lines.
read -r rx_got rx_lost < <(awk '/msg="call ended"/ {
	for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "rtp_received") g += kv[2]; if (kv[1] == "rtp_lost") l += kv[2] }
} END { print g + 0, l + 0 }' "$work/daemon.log")

jit() { python3 scripts/rtp_jitter.py --json "$1"; }
field() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(" ".join(str(r[k]) for k in sys.argv[2:]))' "$@"; }
out=$(jit "$work/out.pcap")
wire=$(python3 scripts/sip_setup.py --json --port "$sip_port" "$work/sip.pcap" 2>/dev/null || echo '{"answered":0,"avg_ms":0,"p50_ms":0,"p99_ms":0,"max_ms":0}')
in=$(jit "$work/in.pcap")

# The daemon sends 50 packets a second to each call it has up: its packet
# rate over the capture / 50 is another count of the calls up.
rtp_calls=$(field "$out" pps | awk '{ printf "%.0f", $1 / 50 }')
per_call=$(awk -v c="$cpu_pct" -v n="$up_avg" 'BEGIN { if (n > 0) printf "%.4f %% of a core (%.0f µs of CPU a second)", c / n, 1e4 * c / n; else print "?" }')

# Bound by the generator? (see the header)
bound=()
awk -v b="$cpu0_pct" 'BEGIN { exit !(b >= 90) }' &&
	bound+=("CPU 0, SIPp's, busy $cpu0_pct % (SIPp itself $sipp_pct %, the rest the capture and other processes)")
awk -v n="$up_avg" -v c="$C" 'BEGIN { exit !(n + 0 < 0.95 * c) }' &&
	bound+=("$up_avg of C=$C calls up on average (min $up_min)")
wire_avg=$(field "$wire" avg_ms)
awk -v s="$setup_avg" -v w="$wire_avg" 'BEGIN { exit !(s > 3 * w && s > w + 20) }' &&
	bound+=("SIPp's INVITE->200 average $setup_avg ms against the daemon's $wire_avg ms on the wire")
in_p99=$(field "$in" dev_p99_ms)
awk -v p="$in_p99" 'BEGIN { exit !(p > 10) }' &&
	bound+=("SIPp's RTP pacing p99 $in_p99 ms off 20 ms")

echo
echo "tracecall SIP load: C=$C M=$M MODE=$MODE NET=$NET NICE=$NICE${CHRT:+ CHRT=\"$CHRT\"} GOMAXPROCS=${GOMAXPROCS:-unset}, $(date -u +%F) on $(nproc --all) x $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
printf '  %-34s %s\n' \
	"calls attempted / completed / failed" "$attempted / $completed / $failed" \
	"codes collected right" "$codes_ok of $sip_calls SIP call records (others, top 3: $codes_wrong)" \
	"calls up during the sample" "$up_avg of C=$C (the daemon's lines each second: min $up_min, max $up_max; its RTP: $rtp_calls)" \
	"daemon CPU (CPU 1, ${CAPTURE_S} s)" "$cpu_pct % (CPU 1 busy $cpu1_pct %, incl. softirq, steal $steal_pct %; load $load)" \
	"  per call up" "$per_call" \
	"SIPp's CPU 0" "$cpu0_pct % busy, SIPp itself $sipp_pct % of a core" \
	"daemon RSS (at C / run peak)" "$((rss_kb / 1024)) MB / $((${rss_max_kb:-0} / 1024)) MB, of which mapped files (the store, the binary) $((rss_file_kb / 1024)) / $((${rss_max_file_kb:-0} / 1024)) MB" \
	"call setup INVITE->200 avg" "$setup_avg ms at SIPp (calls by ms: $setup_hist)" \
	"  on the wire avg/p50/p99/max" "$(field "$wire" avg_ms p50_ms p99_ms max_ms | sed 's| | / |g') ms (the daemon's own, $(field "$wire" answered) calls)" \
	"RTP out (daemon->caller) p50/p99/max" "$(field "$out" dev_p50_ms dev_p99_ms dev_max_ms | sed 's| | / |g') ms |d-20ms|, loss $(field "$out" loss_pct) %, $(field "$out" streams) streams" \
	"RTP in (caller->daemon) p50/p99/max" "$(field "$in" dev_p50_ms dev_p99_ms dev_max_ms | sed 's| | / |g') ms |d-20ms| (SIPp's pacing), $(field "$in" streams) streams" \
	"media clock (whole run)" "${clock:--}" \
	"RTP in loss (daemon's count)" "$rx_lost of $((rx_got + rx_lost)) ($(awk -v l="$rx_lost" -v g="$rx_got" 'BEGIN { printf "%.3f", (l + g) ? 100 * l / (l + g) : 0 }') %)"
if [ -s "$work/perf.data" ]; then
	echo "  where the daemon's CPU goes (perf, self time, top 25):"
	timeout 120 perf report -i "$work/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -25 | sed 's/^/   /'
fi
if [ -s "$work/cpu.pprof" ]; then
	echo "  the daemon's CPU profile (go tool pprof, cumulative, top 30):"
	timeout 120 "$GO" tool pprof -top -cum -nodecount=30 "$bin" "$work/cpu.pprof" 2>/dev/null | sed -n '6,$p' | sed 's/^/   /'
fi
if [ -s "$work/heap.pprof" ]; then
	echo "  the daemon's live heap at the end of the sample (go tool pprof, top 20):"
	timeout 120 "$GO" tool pprof -top -sample_index=inuse_space -nodecount=20 "$bin" "$work/heap.pprof" 2>/dev/null | sed -n '4,$p' | sed 's/^/   /'
fi
if [ ${#bound[@]} -gt 0 ]; then
	echo "  GENERATOR-BOUND: these are SIPp's limits, not the daemon's:"
	printf '    - %s\n' "${bound[@]}"
else
	echo "  generator: not the bound (CPU 0 under 90 %, C calls up, SIPp's setup and pacing near the daemon's)"
fi
if [ "$rtp_calls" = 0 ] && awk -v n="$up_avg" 'BEGIN { exit !(n + 0 > 0) }'; then
	echo "  WARNING: calls were up but no RTP of the daemon's crossed $dev: it went elsewhere (see rtp_sent in the daemon's log)"
fi
others=$(awk -v a="$cpu1_pct" -v b="$cpu_pct" 'BEGIN { printf "%d", a - b }')
if [ "$others" -gt 10 ]; then
	echo "  WARNING: other processes took about $others % of CPU 1 during the sample: the figures are skewed"
fi
grep -h 'dropped' "$work"/dumpcap-*.log 2>/dev/null | sed 's/^/  dumpcap: /' || true
