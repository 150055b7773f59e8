package web

import (
	"encoding/json"
	"net/http"
	"time"

	"tracecall/screenpop"
	"tracecall/telephony/event"
	"tracecall/web/auth"
)

// Limits of GET /api/events.
const (
	// sseQueue is how many events a client may fall behind before the bus
	// cuts it off; its browser then reconnects and reloads.
	sseQueue = 256
	// sseHeartbeat is how often an idle stream gets a comment, so proxies
	// and browsers keep it open and a dead peer is noticed.
	sseHeartbeat = 15 * time.Second
	// sseWriteTimeout bounds one write to a client that stopped reading.
	sseWriteTimeout = 10 * time.Second
)

// eventView decides which bus events one client of /api/events sees, and
// masks the callers' numbers it may not see. It belongs to the handler's
// goroutine.
type eventView struct {
	id  auth.Identity
	all bool // team leaders and above, and the trusted unix socket
	// offered holds the calls offered to this agent that have not ended
	// or been missed.
	offered map[event.CallID]bool
}

func newEventView(id auth.Identity, all bool) *eventView {
	return &eventView{id: id, all: all, offered: make(map[event.CallID]bool)}
}

// show returns e as the client may see it, or false when it may not.
// Team leaders and above see every event. An agent sees their own state,
// and the events of a call from its offer to them until it ends or they
// miss it.
func (v *eventView) show(e event.Event) (event.Event, bool) {
	if v.all {
		return e, true
	}
	me := v.id.Username
	switch e := e.(type) {
	case event.AgentStateChanged:
		return e, e.Agent == me
	case screenpop.Pop: // the screen pop is for its agent alone
		return e, e.Agent == me
	case event.CallOffered:
		if e.Agent != me {
			return nil, false
		}
		v.offered[e.CallID] = true
	case event.CallOfferMissed:
		if e.Agent != me || !v.offered[e.CallID] {
			return nil, false
		}
		delete(v.offered, e.CallID)
		return e, true
	}
	id := e.Call()
	if id == "" || !v.offered[id] {
		return nil, false
	}
	if _, ended := e.(event.CallEnded); ended {
		delete(v.offered, id)
	}
	return maskEvent(e, func(n string) string { return callerFor(v.id, true, n) }), true
}

// maskEvent returns e with the callers' numbers it carries passed through
// mask.
func maskEvent(e event.Event, mask func(string) string) event.Event {
	switch e := e.(type) {
	case event.CallStarted:
		if e.Direction == "outbound" {
			e.To = mask(e.To)
		} else {
			e.From = mask(e.From)
		}
		return e
	case event.LineChanged:
		e.Caller = mask(e.Caller)
		return e
	case event.CallQueued:
		e.Caller = mask(e.Caller)
		return e
	case event.CallAbandonedQueue:
		e.Caller = mask(e.Caller)
		return e
	case event.CallOffered:
		e.Caller = mask(e.Caller)
		return e
	}
	return e
}

// appendSSE appends e as one server-sent event: its Kind as the event name,
// its JSON as the data.
func appendSSE(b []byte, e event.Event) ([]byte, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return b, err
	}
	b = append(b, "event: "...)
	b = append(b, e.Kind()...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...), nil
}

// handleEvents streams the bus as server-sent events, filtered by the
// caller's role (eventView). A client that falls sseQueue events behind is
// cut off; the stream also ends when the server stops.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	id, ok := auth.FromContext(r.Context())
	view := newEventView(id, !ok || seesCallers(id.Role)) // !ok: the unix socket
	log := s.deps.Log.With("user", id.Username, "remote", r.RemoteAddr)

	sub := event.Subscribe[event.Event](s.deps.Bus.Client("web.sse"), event.WithQueue(sseQueue))
	defer sub.Close()

	rc := http.NewResponseController(w)
	write := func(b []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout)) // unsupported in tests: fine
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// The subscription exists before the first byte: a client that sees the
	// stream open misses nothing published after.
	if err := write([]byte("retry: 2000\n: tracecall events\n\n")); err != nil {
		return
	}
	tick := time.NewTicker(sseHeartbeat)
	defer tick.Stop()
	var buf []byte
	for {
		select {
		case e := <-sub.Events():
			e, ok := view.show(e)
			if !ok {
				continue
			}
			var err error
			if buf, err = appendSSE(buf[:0], e); err != nil {
				log.Error("encode event", "kind", e.Kind(), "err", err)
				continue
			}
			if err := write(buf); err != nil {
				log.Debug("events client gone", "err", err)
				return
			}
		case <-tick.C:
			if err := write([]byte(": ping\n\n")); err != nil {
				log.Debug("events client gone", "err", err)
				return
			}
		case <-sub.Done():
			log.Warn("events client cut off", "err", sub.Err())
			return
		case <-r.Context().Done():
			return
		case <-s.stopped:
			return
		}
	}
}
