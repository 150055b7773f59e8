package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"tracecall/store"
	"tracecall/web/auth"
)

// SIP phones kept in the store (tracectl sip phone add|list|rm), next to
// those of [[sip.phones]] in the config file. The SIP driver looks each
// REGISTER's user up in the store when the config does not list it, so a
// phone added here can register at once, and one removed is refused at its
// next REGISTER. Passwords go in and are never given out.

// sipPhoneRoutes adds the API for phones kept in the store, admin only.
func (s *Server) sipPhoneRoutes(add addRoute) {
	const admin = auth.RoleAdmin
	add("GET /api/sip/phones", admin, true, s.handleSIPPhones)
	add("POST /api/sip/phones", admin, true, s.handleAddSIPPhone)
	add("DELETE /api/sip/phones/{user}", admin, true, s.handleDeleteSIPPhone)
}

// sipPhoneReply is one phone of GET /api/sip/phones: no password.
type sipPhoneReply struct {
	User    string    `json:"user"`
	Created time.Time `json:"created"`
}

// sipPhoneRequest is the body of POST /api/sip/phones.
type sipPhoneRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// minSIPPassword is the shortest password a stored phone may have: digest
// authentication is only as strong as it.
const minSIPPassword = 8

func (s *Server) handleSIPPhones(w http.ResponseWriter, r *http.Request) {
	var ps []store.SIPPhone
	err := s.deps.Store.View(func(tx *store.Tx) error {
		var err error
		ps, err = tx.SIPPhones()
		return err
	})
	if err != nil {
		s.fail(w, r, "op_list_sip_phones", err)
		return
	}
	out := make([]sipPhoneReply, 0, len(ps))
	for _, p := range ps {
		out = append(out, sipPhoneReply{User: p.User, Created: p.Created.In(s.deps.Location)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAddSIPPhone(w http.ResponseWriter, r *http.Request) {
	var req sipPhoneRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.bodyFailed(w, r, err, "bad_json")
		return
	}
	if req.User == "" || len(req.User) > 64 || strings.ContainsAny(req.User, " \t\r\n@:;<>\"/\\") {
		writeError(w, http.StatusBadRequest, "bad_user", fmt.Sprintf("user %q: want a SIP user name, e.g. 8001", req.User))
		return
	}
	if len(req.Password) < minSIPPassword || strings.ContainsAny(req.Password, "\r\n") {
		writeError(w, http.StatusBadRequest, "bad_password",
			fmt.Sprintf("password: want at least %d characters on one line (there is no default password)", minSIPPassword))
		return
	}
	p := store.SIPPhone{User: req.User, Password: req.Password, Created: time.Now()}
	err := s.deps.Store.Update(func(tx *store.Tx) error { return tx.PutSIPPhone(&p) })
	switch {
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, "bad_phone", err.Error())
		return
	case err != nil:
		s.fail(w, r, "op_add_sip_phone", err)
		return
	}
	s.deps.Log.Info("sip phone added", "user", p.User, "by", sipPhoneActor(r))
	writeJSON(w, http.StatusCreated, sipPhoneReply{User: p.User, Created: p.Created.In(s.deps.Location)})
}

func (s *Server) handleDeleteSIPPhone(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("user")
	err := s.deps.Store.Update(func(tx *store.Tx) error { return tx.DeleteSIPPhone(user) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no_phone", fmt.Sprintf("no sip phone %q in the store (phones in the config file are changed there)", user))
		return
	case err != nil:
		s.fail(w, r, "op_delete_sip_phone", err)
		return
	}
	s.deps.Log.Info("sip phone removed", "user", user, "by", sipPhoneActor(r))
	w.WriteHeader(http.StatusNoContent)
}

// sipPhoneActor names who changed the phones, for the log: the logged-in
// user, or the unix socket (tracectl).
func sipPhoneActor(r *http.Request) string {
	if id, ok := auth.FromContext(r.Context()); ok && id.Username != "" {
		return id.Username
	}
	return "socket"
}
