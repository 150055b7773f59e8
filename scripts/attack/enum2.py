import sys,json,threading,collections; sys.path.insert(0,'/tmp/atk')
from agent import *
pw=json.load(open('/tmp/atk/agent2.json'))['password']; print(login('9002',pw))
res=collections.Counter(); bar=threading.Barrier(100); lk=threading.Lock()
def one(i):
    bar.wait(); s,b=get(f'/api/customers?number=1361234{i:04d}')
    with lk: res[s]+=1
ts=[threading.Thread(target=one,args=(i,)) for i in range(100)]; [t.start() for t in ts]; [t.join() for t in ts]
print('concurrent not-found searches', dict(res))
s,b=get('/api/customers?number=13612340000'); print(s,b[:200])
