#!/bin/bash
# one kill -9 round: $1 = seconds into the load
set -u
cd /tmp/atk
T0=$(date -u +%Y-%m-%dT%H:%M:%SZ)
rm -f k.pcap
dumpcap -q -P -i vatk0 -f "udp port 5070 and host 10.98.0.2" -w /tmp/atk/k.pcap > /dev/null 2>&1 & DP=$!
sleep 1
(cd /work/shared/sipp && ip netns exec atk timeout 40 sipp 10.99.0.1:5070 -sf uac-ivr.xml -s 96315 -i 10.98.0.2 -mi 10.98.0.2 -p 6010 -mp 17000 -d 5000 -m 400 -r 25 -l 200 -timeout 30 > /tmp/atk/sipp_k.out 2>&1) & SP=$!
sleep $1
DPID=$(python3 -c "import json;print(open('/tmp/atk/d.pid').read().strip())")
kill -9 $DPID; KT=$(date -u +%H:%M:%S.%N); echo "killed $DPID at $KT"
sleep 1; kill $(pgrep -P $SP) 2>/dev/null; sleep 1; kill $DP; wait $DP 2>/dev/null
(setsid /work/wt/attack/bin/tracecalld -config /tmp/atk/tc.toml -data /tmp/atk/data -http 0.0.0.0:18080 -demo >> d.log 2>&1 & echo $! > d.pid)
for i in $(seq 1 60); do curl -s -m 1 localhost:18080/healthz >/dev/null && break; sleep 0.5; done
echo "restarted $(cat d.pid)"
TOK=$(cat data/api-token)
curl -s -H "Authorization: Bearer $TOK" "localhost:18080/api/calls?from=$T0&limit=5000" > k_calls.json
tshark -r k.pcap -Y 'sip.Status-Code >= 180 && ip.dst==10.98.0.2' -T fields -e sip.Status-Code -e sip.from.user -e frame.time_epoch 2>/dev/null > k_answered.txt
tshark -r k.pcap -Y 'sip.Method == "INVITE" && ip.src==10.98.0.2' -T fields -e sip.from.user 2>/dev/null | sort -u > k_invited.txt
python3 - <<'PY'
import json
recs=json.load(open('/tmp/atk/k_calls.json'))
byc={r['caller']:r for r in recs}
ans={}
for l in open('/tmp/atk/k_answered.txt'):
    c,u,t=l.split('\t'); ans.setdefault(u,set()).add(int(c))
got200=[u for u,s in ans.items() if 200 in s]; got180=[u for u,s in ans.items() if 180 in s]
inv=[l.strip() for l in open('/tmp/atk/k_invited.txt')]
missing200=[u for u in got200 if u not in byc]; missing180=[u for u in got180 if u not in byc]
print('INVITEs sent', len(inv), '| got 180:', len(got180), 'got 200:', len(got200), '| records since start:', len(recs))
print('answered (200) but no record:', missing200)
print('rang (180) but no record:', missing180)
import collections; print(collections.Counter((r['disposition'], r.get('inProgress')) for r in recs))
bad=[(r['caller'],r['duration']) for r in recs if r['disposition']=='interrupted']; print('interrupted sample', bad[:5])
PY
