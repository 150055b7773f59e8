import socket, random, time, hashlib, re, sys
SRV=('10.99.0.1',5070)
def rnd(): return '%x'%random.getrandbits(48)
SDP_T="""v=0\r
o=- 1 1 IN IP4 {ip}\r
s=-\r
c=IN IP4 {cip}\r
t=0 0\r
m=audio {port} RTP/AVP 8 0 101\r
a=rtpmap:8 PCMA/8000\r
a=rtpmap:101 telephone-event/8000\r
"""
def sdp(ip, cip=None, port=40000, extra=""):
    return SDP_T.format(ip=ip, cip=cip or ip, port=port)+extra
class UA:
    def __init__(s, ip, port=None, srv=SRV, tcp=False):
        s.ip=ip; s.srv=srv
        s.sock=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sock.bind((ip, port or 0)); s.port=s.sock.getsockname()[1]
        s.sock.settimeout(3)
    def send(s, msg):
        s.sock.sendto(msg.encode() if isinstance(msg,str) else msg, s.srv)
    def recv(s, t=3):
        s.sock.settimeout(t)
        try:
            d,_=s.sock.recvfrom(65535); return d.decode(errors='replace')
        except socket.timeout: return None
    def final(s, t=5):
        end=time.time()+t; out=[]
        while time.time()<end:
            r=s.recv(max(0.1,end-time.time()))
            if r is None: break
            out.append(r)
            m=re.match(r'SIP/2.0 (\d+)',r)
            if m and int(m.group(1))>=200: return r, out
            if not m: # request from server (BYE etc)
                s.answer_req(r)
        return None, out
    def answer_req(s, r):
        hdrs=[l for l in r.split('\r\n') if re.match(r'(?i)(via|from|to|call-id|cseq):',l)]
        s.send('SIP/2.0 200 OK\r\n'+'\r\n'.join(hdrs)+'\r\nContent-Length: 0\r\n\r\n')
def hdr(r, name):
    m=re.search(r'(?im)^'+name+r'\s*:\s*(.*)$', r); return m.group(1).strip() if m else None
def digest(chal, user, pw, method, uri):
    realm=re.search(r'realm="([^"]*)"',chal).group(1); nonce=re.search(r'nonce="([^"]*)"',chal).group(1)
    qop=re.search(r'qop="?([^",]*)',chal)
    ha1=hashlib.md5(f'{user}:{realm}:{pw}'.encode()).hexdigest(); ha2=hashlib.md5(f'{method}:{uri}'.encode()).hexdigest()
    if qop:
        nc='00000001'; cn=rnd()
        resp=hashlib.md5(f'{ha1}:{nonce}:{nc}:{cn}:auth:{ha2}'.encode()).hexdigest()
        return f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{resp}", algorithm=MD5, qop=auth, nc={nc}, cnonce="{cn}"'
    resp=hashlib.md5(f'{ha1}:{nonce}:{ha2}'.encode()).hexdigest()
    return f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{resp}", algorithm=MD5'
def invite(ua, ruri, frm, to=None, extra_hdrs="", body=None, callid=None, cseq=1, tag=None, method='INVITE', totag=None, branch=None):
    callid=callid or rnd(); tag=tag or rnd(); to=to or f'<{ruri}>'
    if totag: to+=f';tag={totag}'
    body = sdp(ua.ip) if body is None else body
    m=(f'{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {ua.ip}:{ua.port};branch=z9hG4bK{branch or rnd()};rport\r\n'
       f'Max-Forwards: 70\r\nFrom: {frm};tag={tag}\r\nTo: {to}\r\nCall-ID: {callid}\r\nCSeq: {cseq} {method}\r\n'
       f'Contact: <sip:x@{ua.ip}:{ua.port}>\r\n{extra_hdrs}'
       + (f'Content-Type: application/sdp\r\n' if body else '') + f'Content-Length: {len(body.encode())}\r\n\r\n{body}')
    ua.send(m); return callid, tag
def ack(ua, ruri, frm_with_tag, to_with_tag, callid, cseq=1):
    ua.send(f'ACK {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {ua.ip}:{ua.port};branch=z9hG4bK{rnd()};rport\r\nMax-Forwards: 70\r\nFrom: {frm_with_tag}\r\nTo: {to_with_tag}\r\nCall-ID: {callid}\r\nCSeq: {cseq} ACK\r\nContent-Length: 0\r\n\r\n')
def bye(ua, ruri, frm_with_tag, to_with_tag, callid, cseq=2):
    ua.send(f'BYE {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {ua.ip}:{ua.port};branch=z9hG4bK{rnd()};rport\r\nMax-Forwards: 70\r\nFrom: {frm_with_tag}\r\nTo: {to_with_tag}\r\nCall-ID: {callid}\r\nCSeq: {cseq} BYE\r\nContent-Length: 0\r\n\r\n')
