#!/usr/bin/env bash
# loadtest-sipflood.sh: real SIPp callers in the demo IVR of a fresh
# tracecalld while one other address floods it with INVITEs, and what the
# flood costs them. It prints:
#   - what the flooding address got: the calls it was let in, how fast (the
#     burst, then the rate) and how many at once (the daemon's own lines),
#     and the refusals by answer (486 / 503 / dropped unanswered);
#   - the RTP the daemon sends the real callers, p50/p99/max |d-20 ms| and
#     loss, over a window without the flood and one with it;
#   - the real calls' outcome (SIPp), their RTP loss as the daemon counted it,
#     the media clock's lateness, and the daemon's CPU in each window;
#   - the call records against the calls: real ones, the flood's let in,
#     and none of the refused.
#
# The real callers sit at 10.253.N.2, listed as a peer ([[sip.peers]], as a
# trunk or PBX carrying real callers is); the flooder at 10.253.N.3, a
# stranger held to the defaults (source_calls, source_call_rate, ...). Both
# are in one network namespace behind a veth pair, the daemon at 10.253.N.1;
# the daemon runs on CPU 1, SIPp and the flooder on CPU 0, as in
# loadtest-sip.sh (which see for the measurement's caveats).
#
#   sudo scripts/loadtest-sipflood.sh
#   C=100 FLOOD_RATE=2000 WINDOW_S=15 sudo scripts/loadtest-sipflood.sh
#
# Knobs (environment):
#   C=30            real calls, all up through both windows (started at C/3 a second)
#   FLOOD_RATE=500  INVITEs a second from the flooding address
#   WINDOW_S=8      length of each capture window (without, then with the flood)
#   KEEP=1          keep the work directory
#   NICE=0          nice value for the daemon, SIPp, the flooder and the captures
#   QUIET_WAIT=60   seconds to wait for CPU 1 to fall under 10 % busy first
#   TRACECALLD=bin/tracecalld  run this binary instead of building one
#   CONFIG=rootfs/etc/tracecall/tracecall.toml  the config the peer is added to
#   LOCK=/run/lock/tracecall-loadtest.lock  one load test at a time
#
# Needs root (network namespace, SIPp's raw socket for play_pcap_audio), sipp
# (sip-tester), python3, taskset, curl, dumpcap (tshark), ip (iproute2), go.
set -euo pipefail

C=${C:-30}
FLOOD_RATE=${FLOOD_RATE:-500}
WINDOW_S=${WINDOW_S:-8}
KEEP=${KEEP:-0}
NICE=${NICE:-0}
GO=${GO:-go}
CODE=${CODE:-11010600524031500425}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
die() { echo "loadtest-sipflood: $*" >&2; exit 1; }
[[ $C =~ ^[0-9]+$ && $C -gt 0 ]] || die "C=$C: want a positive number of calls"
[[ $FLOOD_RATE =~ ^[0-9]+$ && $FLOOD_RATE -gt 0 ]] || die "FLOOD_RATE=$FLOOD_RATE: want INVITEs a second"
[ "$(id -u)" = 0 ] || die "run as root (network namespace, SIPp's raw socket)"
for t in sipp python3 taskset curl dumpcap ip "$GO"; do
	command -v "$t" >/dev/null 2>&1 || die "missing $t (apt-get install -y sip-tester python3 util-linux curl tshark iproute2)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (daemon on CPU 1, callers and flooder on CPU 0)"
ulimit -n 65536 2>/dev/null || true

work=$(mktemp -d /tmp/loadtest-sipflood.XXXXXX)
pids=() netns=""
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "$netns" ]; then
		ip netns del "$netns" 2>/dev/null || true
		ip link del "lf$$" 2>/dev/null || true
	fi
	if [ "$KEEP" = 1 ]; then echo "loadtest-sipflood: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

lock=${LOCK:-/run/lock/tracecall-loadtest.lock}
exec 9>"$lock"
if ! flock -n 9; then
	echo "loadtest-sipflood: another load test holds $lock; waiting (at most ${LOCK_WAIT:-900} s)"
	flock -w "${LOCK_WAIT:-900}" 9 || die "another load test still holds $lock"
fi
taskset -cp 0 $$ >/dev/null

bin=${TRACECALLD:-}
if [ -z "$bin" ]; then
	echo "loadtest-sipflood: building bin/tracecalld and the flooder"
	timeout 300 "$GO" build -o bin/ ./cmd/tracecalld
	bin=bin/tracecalld
fi
timeout 300 "$GO" test -c -tags loadtest -o "$work/flood.test" ./drivers/sip/siptest

# The network: daemon .1, real callers .2, flooder .3 of 10.253.N.0/29.
n=77
while ip -o -4 addr show | grep -q " 10\.253\.$n\."; do
	n=$((n + 1))
	[ "$n" -le 254 ] || die "no free 10.253.N.0/29"
done
netns=tracecall-lf$$ dev=lf$$
daemon_ip=10.253.$n.1 sipp_ip=10.253.$n.2 flood_ip=10.253.$n.3
in_ns=(ip netns exec "$netns")
ip netns add "$netns"
ip link add "$dev" type veth peer name eth0 netns "$netns"
ip addr add "$daemon_ip/29" dev "$dev"
ip link set "$dev" up
ip -n "$netns" addr add "$sipp_ip/29" dev eth0
ip -n "$netns" addr add "$flood_ip/29" dev eth0
ip -n "$netns" link set eth0 up
ip -n "$netns" link set lo up

config=${CONFIG:-rootfs/etc/tracecall/tracecall.toml}
cp "$config" "$work/tracecall.toml"
cat >>"$work/tracecall.toml" <<EOF

# loadtest-sipflood.sh: the real callers come as through a trunk.
[[sip.peers]]
name = "callers"
addresses = ["$sipp_ip"]
EOF
rtp_min=$(awk -F' *= *' '/^rtp_port_min/ { print $2 }' "$config")
rtp_max=$(awk -F' *= *' '/^rtp_port_max/ { print $2 }' "$config")
rtp_min=${rtp_min:-10000} rtp_max=$((${rtp_max:-20000} + 1))
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=127.0.0.1:$(port) sip_port=5070
mkdir -p "$work/data"
taskset -c 1 nice -n "$NICE" "$bin" -config "$work/tracecall.toml" -data "$work/data" -http "$http" -sip "$daemon_ip:$sip_port" -demo \
	2>"$work/daemon.log" &
daemon=$!
pids+=("$daemon")
for _ in $(seq 600); do
	curl -sf -o /dev/null "http://$http/healthz" && break
	kill -0 "$daemon" 2>/dev/null || die "tracecalld exited: $(tail -5 "$work/daemon.log")"
	sleep 0.1
done
token=$(cat "$work/data/api-token")
api() { curl -sf -m 2 -H "Authorization: Bearer $token" "http://$http$1"; }

# Wait (bounded) for CPU 1, the daemon's, to be quiet.
cpu1() { awk '$1 == "cpu1" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
for _ in $(seq "${QUIET_WAIT:-60}"); do
	q0=$(cpu1)
	sleep 1
	[ $((100 * ($(cpu1) - q0) / $(getconf CLK_TCK))) -lt 10 ] && break
done
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# The real calls: up for the ramp, both windows and a margin.
rate=$(((C + 2) / 3))
ramp=$(((C + rate - 1) / rate + 2))
hold_s=$((ramp + 2 * WINDOW_S + 25)) # with room for a slow start of the captures
cp drivers/sip/testdata/uac-ivr.xml "$work/"
python3 drivers/sip/testdata/gen_dtmf_pcap.py --mode rfc4733 --code "1${CODE}#" --leadin 2.0 --total "$hold_s" \
	--out "$work/dtmf-rfc4733.pcap" >/dev/null
echo "loadtest-sipflood: $C real calls from $sipp_ip (a peer), ${hold_s} s each; $FLOOD_RATE INVITEs/s from $flood_ip for $((WINDOW_S + 2)) s"
(
	cd "$work"
	exec "${in_ns[@]}" timeout $((hold_s + 120)) taskset -c 0 nice -n "$NICE" sipp "$daemon_ip:$sip_port" -sf uac-ivr.xml -s ivr \
		-i "$sipp_ip" -p 5080 -mi "$sipp_ip" -mp 16000 -r "$rate" -l "$C" -m "$C" -d $((hold_s * 1000)) \
		-timeout "$((hold_s + 60))s" -nostdin -max_socket 5000 -default_behaviors all,-abortunexp \
		-trace_stat -stf stat.csv -fd 1 -trace_err -error_file err.log
) >"$work/sipp.out" 2>&1 &
sipp=$!
pids+=("$sipp")
sleep "$ramp"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }
hz=$(getconf CLK_TCK)
# window NAME: capture the daemon's RTP to the callers for WINDOW_S and
# sample its lines each second: real calls in a call, the flood's calls.
window() {
	local name=$1 c0 c1 t0 t1
	taskset -c 0 nice -n "$NICE" timeout $((WINDOW_S + 10)) dumpcap -q -P -i "$dev" -s 64 -B 64 -a "duration:$WINDOW_S" \
		-f "src host $daemon_ip and dst host $sipp_ip and udp src portrange $rtp_min-$rtp_max" -w "$work/$name.pcap" 2>"$work/dumpcap-$name.log" &
	local cap=$!
	t0=$(date +%s.%N) c0=$(cpu_ticks)
	for i in $(seq "$WINDOW_S"); do
		sleep 1
		api /api/lines >"$work/lines-$name-$i.json" || true
	done
	t1=$(date +%s.%N) c1=$(cpu_ticks)
	wait "$cap" || true
	awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" 'BEGIN { printf "%.1f\n", 100 * (b - a) / hz / (t1 - t0) }' >"$work/cpu-$name"
}
window quiet

"${in_ns[@]}" taskset -c 0 nice -n "$NICE" "$work/flood.test" -test.run TestFloodTool -flood.from "$flood_ip" -flood.to "$daemon_ip:$sip_port" \
	-flood.rate "$FLOOD_RATE" -flood.for "$((WINDOW_S + 2))s" -flood.out "$work/flood.json" >"$work/flood.out" 2>&1 &
flood=$!
pids+=("$flood")
sleep 1
window flood
wait "$flood" || echo "loadtest-sipflood: the flooder failed: $(tail -5 "$work/flood.out")"
wait "$sipp" || echo "loadtest-sipflood: sipp exited $? (KEEP=1 keeps $work/sipp.out)"
sleep 2 # the last records close just after their BYE

api "/api/calls?limit=100000" >"$work/calls.json" || echo '[]' >"$work/calls.json"
api /api/status >"$work/status.json" || echo '{}' >"$work/status.json"
kill -TERM "$daemon" 2>/dev/null || true
for _ in $(seq 150); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done

load1=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$work" "$C" "$FLOOD_RATE" "$WINDOW_S" "$load0" "$load1" <<'EOF'
import csv, glob, json, os, re, subprocess, sys
work, C, rate, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
J = lambda p, d: json.load(open(p)) if os.path.exists(p) and os.path.getsize(p) else d

def jit(name):
    p = os.path.join(work, name + '.pcap')
    if not os.path.exists(p):
        return {}
    out = subprocess.run([sys.executable, 'scripts/rtp_jitter.py', '--json', p], capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else {}

def lines(name):
    real, flood = [], []
    for p in sorted(glob.glob(os.path.join(work, 'lines-%s-*.json' % name))):
        ls = [{k.lower(): v for k, v in l.items()} for l in J(p, [])]
        sip = [l for l in ls if str(l.get('line', '')).startswith('sip/')]
        flood.append(sum(1 for l in sip if l.get('caller') == 'flood'))
        real.append(sum(1 for l in sip if l.get('caller') != 'flood' and l.get('state') == 'in-call'))
    return real, flood

fl = J(os.path.join(work, 'flood.json'), {})
st = J(os.path.join(work, 'status.json'), {})
calls = J(os.path.join(work, 'calls.json'), [])
rows = list(csv.reader(open(os.path.join(work, 'stat.csv')), delimiter=';')) if os.path.exists(os.path.join(work, 'stat.csv')) else []
sipp = dict(zip(rows[0], rows[-1])) if len(rows) > 1 else {}
log = open(os.path.join(work, 'daemon.log')).read()

got = lost = 0
for m in re.finditer(r'msg="call ended".*', log):
    l = m.group(0)
    if 'sip_call_id=flood-' in l:
        continue
    g = re.search(r'rtp_received=(\d+)', l); x = re.search(r'rtp_lost=(\d+)', l)
    got += int(g.group(1)) if g else 0; lost += int(x.group(1)) if x else 0
clock = re.search(r'msg="media clock stopped".*', log)
cl = dict(re.findall(r'stats\.(\w+)=(\S+)', clock.group(0))) if clock else {}
refused_lines = len(re.findall(r'sip call refused: source over its limit', log))

codes = {int(k): v for k, v in (fl.get('Codes') or {}).items()}
at = fl.get('answered_at_ms') or []
first_s = sum(1 for t in at if t < 1000)
later = [t for t in at if t >= 1000]
span = (later[-1] - 1000) / 1000 if later else 0
real_q, flood_q = lines('quiet')
real_f, flood_f = lines('flood')
q, f = jit('quiet'), jit('flood')
recs_real = sum(1 for c in calls if str(c.get('line', '')).startswith('sip/') and c.get('caller') != 'flood')
recs_flood = sum(1 for c in calls if c.get('caller') == 'flood')
cpu = lambda n: open(os.path.join(work, 'cpu-' + n)).read().strip() if os.path.exists(os.path.join(work, 'cpu-' + n)) else '?'

def rtp(r):
    if not r:
        return '-'
    return '%s / %s / %s ms |d-20ms|, loss %s %%, %s streams' % (r.get('dev_p50_ms'), r.get('dev_p99_ms'), r.get('dev_max_ms'), r.get('loss_pct'), r.get('streams'))
rng = lambda v: '%d..%d' % (min(v), max(v)) if v else '-'

print()
print('tracecall SIP flood: C=%d real calls (a peer), FLOOD_RATE=%d INVITEs/s from one stranger, windows of %d s' % (C, rate, window))
p = lambda k, v: print('  %-44s %s' % (k, v))
p('flood: INVITEs sent', fl.get('Sent', '?'))
p('flood: let in', '%s calls: %d in its first second (the burst), then %s more over %.1f s (%.1f/s)' % (
    fl.get('Answered', '?'), first_s, len(later), span, len(later) / span if span else 0))
p('flood: its calls at once (daemon lines, 1/s)', rng(flood_f))
p('flood: refused', '486 Busy Here %d, 503 Service Unavailable %d, unanswered (shed) %d' % (codes.get(486, 0), codes.get(503, 0), fl.get('unanswered', 0)))
p('daemon: calls refused (status)', '%s (shed %s); log lines about it: %d' % (st.get('calls_refused'), (st.get('limits') or {}).get('shed'), refused_lines))
p('real calls in a call (daemon lines, 1/s)', 'without flood %s, with flood %s (of C=%d)' % (rng(real_q), rng(real_f), C))
p('RTP to real callers, without flood p50/p99/max', rtp(q))
p('RTP to real callers, with flood p50/p99/max', rtp(f))
p('daemon CPU (CPU 1)', 'without flood %s %%, with flood %s %%' % (cpu('quiet'), cpu('flood')))
p('real calls (SIPp): attempted / ok / failed', '%s / %s / %s' % (sipp.get('OutgoingCall(C)', '?'), sipp.get('SuccessfulCall(C)', '?'), sipp.get('FailedCall(C)', '?')))
p('RTP from real callers lost (daemon count)', '%d of %d' % (lost, got + lost))
p('media clock late p50/p99/max (whole run)', '%s / %s / %s, skipped %s' % (cl.get('late_p50'), cl.get('late_p99'), cl.get('late_max'), cl.get('skipped')))
ok = recs_real == C and recs_flood == fl.get('Answered')
p('machine load (1/5/15 min) before / after', '%s / %s on %d CPUs' % (sys.argv[5], sys.argv[6], os.cpu_count()))
for name, up in (('without', real_q), ('with', real_f)):
    if not up or min(up) < C:
        print('  WARNING: only %s of the %d real calls were up in the window %s the flood: its RTP figures are not comparable'
              ' (a busy machine delays the steps; see the load above)' % (rng(up), C, name))
p('call records', '%d real (calls %d), %d of the flood (let in %s): %s' % (recs_real, C, recs_flood, fl.get('Answered'), 'HONEST' if ok else 'MISMATCH'))
EOF
