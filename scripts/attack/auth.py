import sys, time, re, json, subprocess
sys.path.insert(0,'/tmp/atk')
from sipx import *
H='10.99.0.1:5070'
PW={'8003':'secret-8003-pw','8004':'secret-8004-pw'}
def state():
    out=subprocess.run(['curl','-s','-H','Authorization: Bearer '+open('/tmp/atk/data/api-token').read().strip(),'10.99.0.1:18080/api/agents'],capture_output=True,text=True).stdout
    return {a['id']:a['status']['state'] for a in json.loads(out)}
def complete(ua, r, ruri, frm, tag, cid, cseq):
    code=r.split('\r\n')[0] if r else 'NO FINAL'
    if not r: return code
    tot=hdr(r,'To'); ack(ua, ruri, f'{frm};tag={tag}', tot, cid, cseq)
    if code.startswith('SIP/2.0 2'):
        end=time.time()+12
        while time.time()<end:
            x=ua.recv(1)
            if x and x.startswith('BYE'): ua.answer_req(x); return code+' (IVR hung up)'
        bye(ua, ruri, f'{frm};tag={tag}', tot, cid, cseq+1); return code+' (we hung up)'
    return code
def register(ua, user, pw, expires=300):
    cid=rnd(); tag=rnd(); ruri=f'sip:{H}'
    def send(cseq, auth=""):
        ua.send(f'REGISTER {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {ua.ip}:{ua.port};branch=z9hG4bK{rnd()};rport\r\nMax-Forwards: 70\r\nFrom: <sip:{user}@{H}>;tag={tag}\r\nTo: <sip:{user}@{H}>\r\nCall-ID: {cid}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:{user}@{ua.ip}:{ua.port}>\r\nExpires: {expires}\r\n{auth}Content-Length: 0\r\n\r\n')
        return ua.final(5)[0]
    r=send(1)
    if r and ' 401 ' in r.split('\r\n')[0]:
        ch=hdr(r,'WWW-Authenticate'); r=send(2, 'Authorization: '+digest(ch,user,pw,'REGISTER',ruri)+'\r\n')
    return r.split('\r\n')[0] if r else None
def authinvite(ua, ruri, frm, authuser, authpw, digest_uri=None, extra=""):
    cid,tag=invite(ua, ruri, frm, extra_hdrs=extra)
    r,_=ua.final(5)
    if not r or ' 407 ' not in r and ' 401 ' not in r: return complete(ua,r,ruri,frm,tag,cid,1), None
    ack(ua, ruri, f'{frm};tag={tag}', hdr(r,'To'), cid, 1)
    hname='Proxy-Authenticate' if ' 407 ' in r else 'WWW-Authenticate'
    ch=hdr(r,hname); a=digest(ch,authuser,authpw,'INVITE',digest_uri or ruri)
    ah=('Proxy-Authorization: ' if ' 407 ' in r else 'Authorization: ')+a+'\r\n'
    cid2,tag2=invite(ua, ruri, frm, extra_hdrs=extra+ah, callid=cid, cseq=2, tag=tag)
    r,_=ua.final(5)
    return complete(ua,r,ruri,frm,tag,cid,2), ah
