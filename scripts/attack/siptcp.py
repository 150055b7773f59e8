import socket,time,sys,resource
resource.setrlimit(resource.RLIMIT_NOFILE,(20000,20000))
n=int(sys.argv[1]); hold=float(sys.argv[2]); socks=[]
for i in range(n):
    try:
        s=socket.socket(); s.bind((f'10.99.0.{2+i%59}',0)); s.connect(('10.99.0.1',5070)); socks.append(s)
        if len(sys.argv)>3: s.send(b'INVITE sip:96315@10.99.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP x')
    except OSError as e: print('stopped at',i,e); break
print('holding',len(socks),flush=True); t0=time.time()
alive=len(socks)
while time.time()-t0<hold:
    time.sleep(10)
    closed=0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1)==b'': closed+=1
        except BlockingIOError: pass
        except OSError: closed+=1
    print(round(time.time()-t0),'s: closed by server',closed,flush=True)
