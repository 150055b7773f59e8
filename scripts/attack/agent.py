import re,sys,json,http.cookiejar,urllib.request,urllib.parse
B='http://127.0.0.1:18080'
cj=http.cookiejar.CookieJar(); op=urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cj))
class NoRedir(urllib.request.HTTPRedirectHandler):
    def redirect_request(self,*a,**k): return None
def get(p, data=None, hdrs={}):
    req=urllib.request.Request(B+p, data=data, headers=hdrs)
    try:
        r=op.open(req, timeout=10); return r.status, r.read().decode(errors='replace')
    except urllib.error.HTTPError as e: return e.code, e.read().decode(errors='replace')
def login(u,pw):
    s,b=get('/login'); tok=re.search(r'name="csrf_token" value="([^"]+)"',b).group(1)
    s,b=get('/login', urllib.parse.urlencode({'csrf_token':tok,'next':'/','username':u,'password':pw}).encode())
    return s
if __name__=='__main__':
    pw=json.load(open('/tmp/atk/agent.json'))['password']
    print('login', login('9001',pw))
    s,b=get('/api/me'); print('me', s, b[:200])
    for p in sys.argv[1:]:
        s,b=get(p); print(f'--- {p} -> {s} {len(b)}B'); print(b[:600])
