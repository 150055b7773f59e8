import sys,time,socket,re; sys.path.insert(0,'/tmp/atk')
from sipx import *
from media import sdpx, first, H, T
def setup(ip, body=None):
    ua=UA(ip); frm=f'<sip:13900000000@{ip}>'; ruri=f'sip:96315@{H}'
    cid,tag=invite(ua, ruri, frm, body=sdpx(ip) if body is None else body); r,_=ua.final(5)
    return ua,r,cid,tag,frm,ruri
def indialog(ua, method, cid, tag, frm, to, cseq, body, ruri):
    invite(ua, ruri, frm, to=to, body=body, callid=cid, cseq=cseq, tag=tag, method=method); return ua.final(5)[0]
# re-INVITE third party
for name, method, src_other in [('re-INVITE c=third','INVITE',False),('UPDATE c=third','UPDATE',False),('re-INVITE from other addr, c=other addr','INVITE',True)]:
    ip='10.99.0.45' if method=='INVITE' and not src_other else ('10.99.0.46' if method=='UPDATE' else '10.99.0.47')
    ua,r,cid,tag,frm,ruri=setup(ip); to=hdr(r,'To'); ack(ua,ruri,f'{frm};tag={tag}',to,cid)
    time.sleep(1); contact=re.search(r'<([^>]+)>',hdr(r,'Contact')).group(1)
    if src_other:
        ua2=UA('10.99.0.48'); rr=indialog(ua2, method, cid, tag, frm, to, 2, sdpx('10.99.0.48'), contact)
    else:
        rr=indialog(ua, method, cid, tag, frm, to, 2, sdpx(T), contact)
    print(f'{name:42s} {first(rr)} {hdr(rr,"Warning") if rr else ""}')
    if rr and method=='INVITE': ack((ua2 if src_other else ua), contact, f'{frm};tag={tag}', to, cid, 2)
    if src_other and rr and ' 200 ' in rr:
        # is media now going to 10.99.0.48?
        s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('10.99.0.48',40000)); s.settimeout(2)
        try: s.recv(2000); print('   -> appliance RTP now arrives at 10.99.0.48')
        except socket.timeout: print('   -> no RTP at 10.99.0.48')
    bye(ua, contact, f'{frm};tag={tag}', to, cid, 5); ua.final(2)
# late offer: INVITE without SDP, answer in ACK with third party
ip='10.99.0.49'; ua=UA(ip); frm=f'<sip:13900000000@{ip}>'; ruri=f'sip:96315@{H}'
cid,tag=invite(ua, ruri, frm, body=''); r,_=ua.final(5); print('late offer INVITE', first(r))
to=hdr(r,'To'); ua.send(f'ACK {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {ip}:{ua.port};branch=z9hG4bK{rnd()};rport\r\nMax-Forwards: 70\r\nFrom: {frm};tag={tag}\r\nTo: {to}\r\nCall-ID: {cid}\r\nCSeq: 1 ACK\r\nContent-Type: application/sdp\r\nContent-Length: {len(sdpx(T))}\r\n\r\n{sdpx(T)}')
x=ua.recv(3); print('after ACK with third-party answer:', x.split('\r\n')[0] if x else None)
if x and x.startswith('BYE'): ua.answer_req(x)
