package web

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"tracecall/desk"
)

// FuzzDeskRequest feeds any JSON body to the desktop's request checks: they
// never panic, and what they accept is what the Desk may be given.
func FuzzDeskRequest(f *testing.F) {
	f.Add(`{"reason":"meal"}`)
	f.Add(`{"on":true}`)
	f.Add(`{"target":{"kind":"number","value":"+86 138-0013-8000"},"consult":true}`)
	f.Add(`{"target":{"kind":"agent","value":"wang\u0000"}}`)
	f.Add(`{"target":{"kind":"duty_manager","value":"x"}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var req deskRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		for _, a := range deskActions {
			if a.check == nil {
				continue
			}
			r := req
			if r.Target != nil {
				tt := *r.Target
				r.Target = &tt
			}
			if reason, _ := a.check(&r); reason != "" {
				continue
			}
			switch a.path {
			case "not_ready":
				if !slices.Contains(notReadyReasons, r.Reason) {
					t.Fatalf("accepted reason %q", r.Reason)
				}
			case "hold":
				if r.On == nil {
					t.Fatal("accepted hold without on")
				}
			case "transfer":
				tg := r.Target
				if tg == nil || !slices.Contains(transferKinds, tg.Kind) {
					t.Fatalf("accepted target %+v", tg)
				}
				if tg.Kind == desk.TargetDutyManager && tg.Value != "" {
					t.Fatalf("duty manager target with value %q", tg.Value)
				}
				if tg.Kind != desk.TargetDutyManager && (tg.Value == "" || len(tg.Value) > 64 || !printableLine(tg.Value) || strings.TrimSpace(tg.Value) != tg.Value) {
					t.Fatalf("accepted target value %q", tg.Value)
				}
			}
		}
	})
}
