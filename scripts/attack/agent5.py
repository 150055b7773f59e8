exec(open('/tmp/atk/agent3.py').read().split("print('create dup'")[0])
import time,collections
s,b=req('POST','/api/customers',{'numbers':['13322220000'],'name':'probe'}); mine=json.loads(b)['id']
res=collections.Counter(); found=[]; t0=time.time()
for r in range(100):
    nums=[f'139000{r:03d}{j:02d}' for j in range(10)]
    if r==57: nums[3]='13900000001'
    s,b=req('PUT',f'/api/customers/{mine}',{'numbers':nums,'name':'probe'}); res[s]+=1
    if s==409: found.append(json.loads(b)['error'])
print('1000 numbers probed in %.1fs'%(time.time()-t0), dict(res), found)
