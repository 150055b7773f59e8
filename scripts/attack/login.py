import sys,re,threading,http.client,urllib.parse,time,collections
host=sys.argv[1]; src=sys.argv[2]; user=sys.argv[3]; n=int(sys.argv[4]); pw=sys.argv[5] if len(sys.argv)>5 else None
def conn(): return http.client.HTTPConnection(host,18080,timeout=60,source_address=(src,0))
def token():
    c=conn(); c.request('GET','/login'); r=c.getresponse(); b=r.read().decode()
    tok=re.search(r'name="csrf_token" value="([^"]+)"',b).group(1)
    ck=r.getheader('Set-Cookie').split(';')[0]; return tok,ck
res=collections.Counter(); lock=threading.Lock()
bar=None
def attempt(i, password, pre=None):
    tok,ck=pre or token()
    if bar: bar.wait()
    c=conn(); body=urllib.parse.urlencode({'csrf_token':tok,'next':'/','username':user,'password':password})
    c.request('POST','/login',body,{'Content-Type':'application/x-www-form-urlencoded','Cookie':ck}); r=c.getresponse(); r.read()
    with lock: res[r.status]+=1
    return r.status
if pw:
    print('login', user, 'from', src, '->', attempt(0,pw)); sys.exit()
t0=time.time()
toks=[token() for i in range(n)]; bar=threading.Barrier(n); t0=time.time()
ths=[threading.Thread(target=attempt,args=(i,f'guess{i}',toks[i])) for i in range(n)]
[t.start() for t in ths]; [t.join() for t in ths]
print(src, 'concurrent', n, 'guesses in %.1fs'%(time.time()-t0), dict(res))
