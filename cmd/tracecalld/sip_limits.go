package main

import (
	sipdriver "tracecall/drivers/sip"
	"tracecall/web"
)

// sipRefusals shows the SIP driver's per-source limits to the status API and
// the line monitor (web.RefusalSource), so that web needs no driver.
type sipRefusals struct{ d *sipdriver.Driver }

func (r sipRefusals) Refusals() web.Refusals {
	st := r.d.LimitStats()
	out := web.Refusals{Total: st.Refused, Shed: st.Shed, ByLimit: st.ByLimit, MessagesDropped: st.Messages,
		TCPRefused: st.TCPRefused, TCPTimedOut: st.TCPTimedOut,
		Sources: make([]web.RefusedSource, 0, len(st.Sources))}
	for _, s := range st.Sources {
		out.Sources = append(out.Sources, web.RefusedSource{Source: s.Source, Peer: s.Peer, Refused: s.Refused, Limit: s.Limit, Last: s.Last})
	}
	return out
}
