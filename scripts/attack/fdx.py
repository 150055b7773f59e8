import socket,time,sys,resource
resource.setrlimit(resource.RLIMIT_NOFILE,(20000,20000))
n=int(sys.argv[1]); hold=float(sys.argv[2]); socks=[]; t0=time.time()
srcs=['127.0.0.%d'%i for i in range(2,10)]
for i in range(n):
    try:
        s=socket.socket(); s.bind((srcs[i%len(srcs)],0)); s.connect(('127.0.0.1',18080))
        s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n'); socks.append(s)
    except OSError as e:
        print('stopped at',i,e); break
print('holding',len(socks),'connections, opened in %.1fs'%(time.time()-t0), flush=True)
time.sleep(hold)
