// Package web serves the appliance's HTTP API and its web panel: JSON under
// /api/, server-rendered pages (html/template, built in with embed, no
// JavaScript) and a health check.
//
// # Listeners
//
// The same routes serve two listeners. The unix socket that tracectl uses is
// trusted by its file mode and serves the API without auth (SocketHandler).
// The TCP address (TCPHandler) needs, for every route but /healthz, /login
// and /assets/, either the bearer token from DATA/api-token, which acts as
// admin, or a session cookie from logging in at /login. Each route has a
// least role (Routes lists them); a request without a login gets 401 JSON
// under /api/ and a redirect to /login elsewhere, a role too low gets 403.
// Paths that match no route answer 404 only after a login, so an anonymous
// caller learns nothing from them. Package web/auth holds the rules:
// password hashing, sessions, CSRF tokens, lockout, roles.
//
// # Forms
//
// Every form carries the session's CSRF token in a hidden csrf_token field;
// an unsafe request (POST, PUT, PATCH, DELETE) with a session cookie and
// without the token, in the field or the X-CSRF-Token header, gets 403.
// Bearer token requests need none. Go's cross-origin protection (Sec-Fetch-Site
// and Origin) refuses cross-site unsafe requests as well.
//
// # Languages
//
// Pages are in Chinese (zh-CN) unless ?lang=en (remembered in a cookie) or
// the browser's Accept-Language prefers English. Every string is in the
// catalogue in panel_i18n.go.
//
// # Streams
//
// POST /api/sim/call answers with newline-delimited JSON, one object per event of
// the call as it happens, built from the event bus; see .notes/API.md at the
// repository root for every route.
package web
