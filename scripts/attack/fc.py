import sys, time, re, json, subprocess
sys.path.insert(0,'/tmp/atk')
from sipx import *
H='10.99.0.1:5070'
def state():
    out=subprocess.run(['curl','-s','-H','Authorization: Bearer '+open('/tmp/atk/data/api-token').read().strip(),'10.99.0.1:18080/api/agents'],capture_output=True,text=True).stdout
    return {a['id']:a['status']['state'] for a in json.loads(out)}
def run(name, ruri, frm, to=None, extra="", ip='10.99.0.10'):
    ua=UA(ip)
    cid,tag=invite(ua, ruri, frm, to=to, extra_hdrs=extra)
    r,allr=ua.final(6)
    code=r.split('\r\n')[0] if r else 'NO FINAL'
    if r:
        tot=hdr(r,'To')
        ack(ua, ruri, f'{frm};tag={tag}', tot, cid)
        if code.startswith('SIP/2.0 2'):
            # wait for BYE from IVR
            end=time.time()+12
            while time.time()<end:
                x=ua.recv(1)
                if x and x.startswith('BYE'):
                    ua.answer_req(x); code+=' (IVR hung up)'; break
            else:
                bye(ua, ruri, f'{frm};tag={tag}', tot, cid); code+=' (we hung up)'
    print(f'{name:45s} -> {code:40s} {state()}', flush=True)
cases=[
 ('baseline From 8003', f'sip:*21@{H}', f'<sip:8003@{H}>'),
 ('From user=phone', f'sip:*21@{H}', f'<sip:8003@{H};user=phone>'),
 ('From tel:', f'sip:*21@{H}', '<tel:8003>'),
 ('From sips:', f'sip:*21@{H}', f'<sips:8003@{H}>'),
 ('From other host', f'sip:*21@{H}', '<sip:8003@evil.example>'),
 ('From escaped user', f'sip:*21@{H}', f'<sip:%38003@{H}>'),
 ('From +8003', f'sip:*21@{H}', f'<sip:+8003@{H}>'),
 ('From 8003 with params', f'sip:*21@{H}', f'"8003" <sip:8003;x=1@{H}>'),
 ('From display only', f'sip:*21@{H}', f'"8003" <sip:anonymous@{H}>'),
 ('PAI', f'sip:*21@{H}', f'<sip:anonymous@{H}>', None, f'P-Asserted-Identity: <sip:8003@{H}>\r\n'),
 ('RPID', f'sip:*21@{H}', f'<sip:anonymous@{H}>', None, f'Remote-Party-ID: <sip:8003@{H}>;party=calling;screen=yes\r\n'),
 ('PPI', f'sip:*21@{H}', f'<sip:anonymous@{H}>', None, f'P-Preferred-Identity: <sip:8003@{H}>\r\n'),
 ('RURI %2A21', f'sip:%2A21@{H}', f'<sip:anonymous@{H}>'),
 ('RURI user=phone', f'sip:*21@{H};user=phone', f'<sip:anonymous@{H}>'),
 ('RURI tel', f'tel:*21', f'<sip:anonymous@{H}>'),
 ('RURI phone-context', f'sip:*21;phone-context=x@{H};user=phone', f'<sip:anonymous@{H}>'),
 ('RURI 96315 To *21', f'sip:96315@{H}', f'<sip:anonymous@{H}>', f'<sip:*21@{H}>'),
 ('RURI *21 To 96315', f'sip:*21@{H}', f'<sip:anonymous@{H}>', f'<sip:96315@{H}>'),
 ('RURI sips', f'sips:*21@{H}', f'<sip:anonymous@{H}>'),
 ('From sim:8001 *22', f'sip:*22@{H}', '<sim:8001>'),
 ('From sip:8001 *22', f'sip:*22@{H}', f'<sip:8001@{H}>'),
 ('From sip:sim:8001 *22', f'sip:*22@{H}', f'<sip:sim%3A8001@{H}>'),
 ('RURI fullwidth', f'sip:＊21@{H}', f'<sip:8003@{H}>'),
 ('RURI *21 padded 0', f'sip:*021@{H}', f'<sip:8003@{H}>'),
 ('RURI 8003 (agent phone)', f'sip:8003@{H}', f'<sip:anonymous@{H}>'),
 ('RURI 8001', f'sip:8001@{H}', f'<sip:anonymous@{H}>'),
]
import itertools
for i,c in enumerate(cases):
    c=list(c)+[None]*(5-len(c)); c[2]=c[2]; 
    run(c[0],c[1],c[2],c[3],c[4] or "", ip=f'10.99.0.{10+i}')
