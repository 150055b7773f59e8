import socket,time,threading,sys
tok=open('/tmp/atk/data/api-token').read().strip()
cases={
 'A login body trickle': 'POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n',
 'B unauth customers trickle': 'POST /api/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n',
 'C unauth import trickle': 'POST /api/trace/import HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n',
 'D slow headers': 'GET /healthz HTTP/1.1\r\nHost: x\r\n',
 'E token customers trickle': f'POST /api/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n',
 'F token import trickle': f'POST /api/trace/import?format=jsonl HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nContent-Length: 100000000\r\n\r\n',
 'G chunked unauth': 'POST /api/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
 'H healthz GET with body': 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n',
 'I login GET page body': 'GET /login HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n',
}
res={}
def run(name, head):
    s=socket.create_connection(('127.0.0.1',18080)); t0=time.time(); got=b''
    s.settimeout(2)
    try:
        if name.startswith('D'):
            for ch in head.encode():
                s.send(bytes([ch])); time.sleep(1)
                if time.time()-t0>100: break
        else:
            s.sendall(head.encode())
            while time.time()-t0<100:
                s.send(b'1' if not name.startswith('G') else b'1\r\na\r\n'); 
                try:
                    d=s.recv(4096)
                    if d==b'': break
                    got+=d
                except socket.timeout: pass
    except (BrokenPipeError, ConnectionResetError) as e: pass
    res[name]=(round(time.time()-t0,1), got.split(b'\r\n')[0].decode(errors='replace'))
ts=[threading.Thread(target=run,args=kv) for kv in cases.items()]; [t.start() for t in ts]; [t.join() for t in ts]
for k in cases: print(f'{k:28s} held {res[k][0]:6}s  first answer: {res[k][1]}')
