import sys; sys.path.insert(0,'/tmp/atk')
from auth import *
n=[40]
def ip():
    n[0]+=1; return f'10.99.0.{n[0]}'
print('A unregistered 8003 auth as 8003 *23:', authinvite(UA(ip()), f'sip:*23@{H}', f'<sip:8003@{H}>', '8003', PW['8003'])[0], state())
print('B From 8003 auth as 8004 *21:', authinvite(UA(ip()), f'sip:*21@{H}', f'<sip:8003@{H}>', '8004', PW['8004'])[0], state())
print('C From 8003 digest uri *23 ruri *21:', authinvite(UA(ip()), f'sip:*21@{H}', f'<sip:8003@{H}>', '8003', PW['8003'], digest_uri=f'sip:*23@{H}')[0], state())
ph=UA(ip())
print('register 8003', register(ph,'8003',PW['8003']))
print('D registered 8003 no-auth spoof same ip other port *21:', authinvite(UA(ph.ip), f'sip:*21@{H}', f'<sip:8003@{H}>', '8003', 'wrong')[0], state())
print('E From 8004 auth 8004 *21 (8004 unregistered):', authinvite(UA(ip()), f'sip:*21@{H}', f'<sip:8004@{H}>', '8004', PW['8004'])[0], state())
res,ah=authinvite(UA(ph.ip, ph.port+1 if False else None), f'sip:*21@{H}', f'<sip:8003@{H}>', '8003', PW['8003'])
print('F legit 8003 *21 from binding ip:', res, state())
# replay the captured header in a new call from another address
for label, ru in [('G replay same uri other ip','*21'),('H replay for *24','*24')]:
    ua=UA(ip()); cid,tag=invite(ua, f'sip:{ru}@{H}', f'<sip:8003@{H}>', extra_hdrs=ah)
    r,_=ua.final(5); print(label, complete(ua,r,f'sip:{ru}@{H}',f'<sip:8003@{H}>',tag,cid,1), state())
ua=UA(ip()); cid,tag=invite(ua, f'sip:*24@{H}', f'<sip:8004@{H}>', extra_hdrs=ah)
r,_=ua.final(5); print('I replay 8003 creds From 8004 *24', complete(ua,r,f'sip:*24@{H}',f'<sip:8004@{H}>',tag,cid,1), state())
