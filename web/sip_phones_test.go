package web_test

import "testing"

// TestSIPPhonesAPI: an admin (the API token) adds, lists and removes phones
// kept in the store; bad input gets {"error","reason"}; the password is
// stored (the SIP driver reads it) and never listed.
func TestSIPPhonesAPI(t *testing.T) {
	ts, db := newServer(t)
	post := func(body string) (int, map[string]any) {
		var v map[string]any
		return do(t, ts, "POST", "/api/sip/phones", token, []byte(body), &v), v
	}
	tests := []struct {
		name, body string
		want       int
		reason     string
	}{
		{"a phone", `{"user":"9001","password":"long-enough-1"}`, 201, ""},
		{"short password", `{"user":"9002","password":"short"}`, 400, "bad_password"},
		{"no password", `{"user":"9002"}`, 400, "bad_password"},
		{"bad user", `{"user":"90 02@x","password":"long-enough-2"}`, 400, "bad_user"},
		{"unknown field", `{"user":"9002","password":"long-enough-2","role":"x"}`, 400, "bad_json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, v := post(tt.body)
			if code != tt.want || (tt.reason != "" && (v["reason"] != tt.reason || v["error"] == "")) {
				t.Errorf("POST %s = %d %v, want %d %s", tt.body, code, v, tt.want, tt.reason)
			}
		})
	}
	if pw, ok, err := db.SIPPhonePassword("9001"); !ok || err != nil || pw != "long-enough-1" {
		t.Errorf("stored password = %q, %v, %v", pw, ok, err)
	}
	var list []map[string]any
	if code := do(t, ts, "GET", "/api/sip/phones", token, nil, &list); code != 200 || len(list) != 1 || list[0]["user"] != "9001" {
		t.Errorf("GET = %d %v, want the one phone", code, list)
	}
	if containsPassword(list) {
		t.Errorf("the list gives passwords out: %v", list)
	}
	if code := do(t, ts, "GET", "/api/sip/phones", "", nil, nil); code != 401 {
		t.Errorf("GET without login = %d, want 401", code)
	}
	if code := do(t, ts, "DELETE", "/api/sip/phones/9001", token, nil, nil); code != 204 {
		t.Errorf("DELETE = %d, want 204", code)
	}
	var e map[string]any
	if code := do(t, ts, "DELETE", "/api/sip/phones/9001", token, nil, &e); code != 404 || e["reason"] != "no_phone" {
		t.Errorf("DELETE again = %d %v, want 404 no_phone", code, e)
	}
}

func containsPassword(list []map[string]any) bool {
	for _, p := range list {
		if _, ok := p["password"]; ok {
			return true
		}
	}
	return false
}
