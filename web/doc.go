// Package web serves the appliance's HTTP API and its web panel: JSON under
// /api/, server-rendered pages (html/template, built in with embed, one small
// script for the live views) and a health check.
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
// Pages are in Chinese (zh-CN) unless ?lang=en (remembered in a cookie); the
// browser's Accept-Language does not change that. Every string is in the
// catalogue in panel_i18n.go.
//
// # Pages
//
// The home page links to the pages the user's role may open (panelPages, which
// a test keeps in step with the route table). Team leaders and above get the
// line monitor (/lines), the wallboard (/wallboard) and the call records
// (/calls, exported with the same filter as /calls.csv: UTF-8 with a byte
// order mark so that Excel reads Chinese, cells that look like formulas
// defused). The wallboard's queue and agent sections come from
// Deps.Wallboard, which the ACD provides; without it the page says the ACD is
// not configured.
//
// # Live views
//
// GET /api/events streams the event bus as server-sent events: "event:" is
// the event's Kind, "data:" its JSON, and a comment every 15 s keeps the
// stream open. Each client is its own bus subscriber ("web.sse") with a
// bounded queue: one that falls behind is cut off and its browser reconnects.
// Team leaders and above get every event. Agents get their own state and the
// events of calls offered to them, from the offer until the call ends or they
// miss it (eventView). Callers' numbers shown to a role that does not need
// them go through callerFor, which masks them as 138****8000. assets/live.js
// follows the stream: the line monitor updates its table in place; the
// wallboard fetches itself again, at most once a second, when something
// happens. The streams end when Run returns.
//
// # Streams
//
// POST /api/sim/call answers with newline-delimited JSON, one object per event of
// the call as it happens, built from the event bus; see .notes/API.md at the
// repository root for every route.
package web
