import struct,sys,collections
f=open(sys.argv[1],'rb'); gh=f.read(24)
link=struct.unpack('<I',gh[20:24])[0]
streams=collections.defaultdict(list)
while True:
    h=f.read(16)
    if len(h)<16: break
    ts,tu,incl,orig=struct.unpack('<IIII',h); d=f.read(incl)
    off=14 if link==1 else (16 if link==113 else 0)
    ip=d[off:]; 
    if len(ip)<28 or ip[0]>>4!=4: continue
    ihl=(ip[0]&15)*4; src='.'.join(map(str,ip[12:16])); dst='.'.join(map(str,ip[16:20]))
    udp=ip[ihl:]; rtp=udp[8:]
    if len(rtp)<12 or rtp[0]>>6!=2: continue
    pt=rtp[1]&0x7f
    if pt!=0 and pt!=8: continue
    seq=struct.unpack('>H',rtp[2:4])[0]; ssrc=rtp[8:12].hex()
    streams[(src,ssrc)].append((ts+tu/1e6,seq))
for direction in ['10.98.0.1','10.98.0.2']:
    devs=[];loss=0;tot=0;worst=[]
    for (src,ssrc),pk in streams.items():
        if src!=direction: continue
        tot+=len(pk)
        for (t0,s0),(t1,s1) in zip(pk,pk[1:]):
            if (s1-s0)&0xffff==1: devs.append(abs((t1-t0)*1000-20)); 
            else: loss+=((s1-s0)&0xffff)-1
            if (t1-t0)>0.1: worst.append((round(t1-t0,3),t0))
    devs.sort(); n=len(devs)
    import time
    print(direction,'->', 'streams',sum(1 for k in streams if k[0]==direction),'pkts',tot,'lost',loss,'p50 %.2f p99 %.2f p999 %.2f max %.1f ms'%(devs[n//2],devs[int(n*.99)],devs[int(n*.999)],devs[-1]))
    print('  gaps>100ms:',len(worst), [ (g,time.strftime('%H:%M:%S',time.gmtime(t))) for g,t in sorted(worst)[-6:]])
print('per-second: packets from daemon with |dev|>20ms (gap>40ms)')
import collections,time
b=collections.Counter(); tot=collections.Counter()
for (src,ssrc),pk in streams.items():
    if src!='10.98.0.1': continue
    for (t0,s0),(t1,s1) in zip(pk,pk[1:]):
        tot[int(t1)]+=1
        if t1-t0>0.04: b[int(t1)]+=1
print(' '.join(f"{time.strftime('%M:%S',time.gmtime(k))}:{b[k]}/{tot[k]}" for k in sorted(tot)))
