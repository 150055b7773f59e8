package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"tracecall/trace"
)

// handleTrace answers GET /api/trace/{code}: 200 with the chain, 400 with the
// reason a code is malformed, 404 for a well-formed code no chain has. Batch codes,
// transaction vouchers and certificate numbers find the chains that carry them.
func (s *Server) handleTrace(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("code")
	chain, code, err := trace.Lookup(s.deps.Store, raw, "", s.deps.TraceOptions)
	var cerr *trace.CodeError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, chain)
		return
	case errors.As(err, &cerr):
		writeError(w, http.StatusBadRequest, string(cerr.Reason), cerr.Error())
		return
	case !errors.Is(err, trace.ErrNotFound):
		s.fail(w, r, "op_trace_lookup", err)
		return
	}
	// Not a chain's own code: maybe a reference that chains carry.
	var codes []string
	if code.Kind == trace.KindCertificate {
		codes, err = s.deps.Store.CodesByCert(code.Value)
	} else {
		codes, err = s.deps.Store.CodesByRef(code.Value)
	}
	if err != nil {
		s.fail(w, r, "op_trace_lookup", fmt.Errorf("reference lookup: %w", err))
		return
	}
	for _, c := range codes {
		chain, ok, err := s.deps.Store.Chain(c)
		if err != nil {
			s.fail(w, r, "op_trace_lookup", err)
			return
		}
		if ok {
			w.Header().Set("X-Trace-Matches", strconv.Itoa(len(codes)))
			writeJSON(w, http.StatusOK, chain)
			return
		}
	}
	writeError(w, http.StatusNotFound, "not_found", "no trace data for "+string(code.Kind)+" "+code.Value)
}

// handleTraceList answers GET /api/trace?after=&limit= in code order.
func (s *Server) handleTraceList(w http.ResponseWriter, r *http.Request) {
	limit := 20
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := parsePositive(l)
		if err != nil || n > 10000 {
			writeError(w, http.StatusBadRequest, "bad_limit", "limit: want 1..10000")
			return
		}
		limit = n
	}
	chains, err := s.deps.Store.ListChains(r.URL.Query().Get("after"), limit)
	if err != nil {
		s.fail(w, r, "op_list_chains", err)
		return
	}
	if chains == nil {
		chains = []trace.Chain{}
	}
	writeJSON(w, http.StatusOK, chains)
}
