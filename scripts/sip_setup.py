#!/usr/bin/env python3
"""Call setup time from a SIP capture, as the wire saw it (stdlib only).

Capture the daemon's SIP port on loopback first, e.g.
  dumpcap -q -P -i lo -s 2048 -f 'udp port 5060' -w sip.pcap
then:
  sip_setup.py sip.pcap --port 5060 [--json]

Per Call-ID: from the INVITE arriving at --port to the first 200 for that
INVITE leaving it. On loopback the capture time is the send time, so this is
the daemon's own setup time: unlike SIPp's figure it leaves out how long the
caller took to send the INVITE and to read the 200 (SIPp's CPU, when that is
busy). Retransmitted INVITEs count from the first. Prints n, avg, p50, p99
and max in ms.
"""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtp_jitter import parse_udp, pct, read_pcap  # noqa: E402


def header(msg, name):
    """The value of the first header called name (or its compact form)."""
    compact = {'call-id': 'i', 'cseq': None}.get(name)
    for line in msg.split(b'\r\n')[1:]:
        if not line:
            break
        k, _, v = line.partition(b':')
        k = k.strip().lower().decode('latin-1')
        if k == name or (compact and k == compact):
            return v.strip().decode('latin-1')
    return None


def analyse(path, port):
    invites, setup = {}, {}
    for t, lt, data in read_pcap(path):
        u = parse_udp(lt, data)
        if not u:
            continue
        _src, sport, _dst, dport, msg = u
        first = msg.split(b'\r\n', 1)[0]
        cid = header(msg, 'call-id')
        cseq = header(msg, 'cseq') or ''
        if not cid:
            continue
        if dport == port and first.startswith(b'INVITE ') and cseq.endswith('INVITE'):
            invites.setdefault((cid, cseq), t)
        elif sport == port and first.startswith(b'SIP/2.0 200') and cseq.endswith('INVITE'):
            t0 = invites.get((cid, cseq))
            if t0 is not None and (cid, cseq) not in setup:
                setup[(cid, cseq)] = (t - t0) * 1000.0
    vals = sorted(setup.values())
    n = len(vals)
    return {
        'invites': len(invites),
        'answered': n,
        'avg_ms': round(sum(vals) / n, 2) if n else 0.0,
        'p50_ms': round(pct(vals, 50), 2),
        'p99_ms': round(pct(vals, 99), 2),
        'max_ms': round(vals[-1], 2) if n else 0.0,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('pcap')
    ap.add_argument('--port', type=int, required=True, help="the daemon's SIP port")
    ap.add_argument('--json', action='store_true')
    a = ap.parse_args()
    r = analyse(a.pcap, a.port)
    if a.json:
        print(json.dumps(r))
    else:
        print('INVITE->200 on the wire: %(answered)d of %(invites)d answered, '
              'avg %(avg_ms)s / p50 %(p50_ms)s / p99 %(p99_ms)s / max %(max_ms)s ms' % r)


if __name__ == '__main__':
    main()
