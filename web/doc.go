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
// password hashing, sessions, CSRF tokens, login throttles, roles.
//
// # Login protection
//
// Wrong passwords slow logins down (web/auth, Guessing): a refused login
// answers 401, or 429 when it came during its wait and was not checked;
// both carry Retry-After when the next attempt must wait, and the page
// says how long, in the reader's language, and names the console command
// that lifts it. Admins get /admin/security (security.go, 登录保护): every
// throttle of guesses, the panel's logins by address and by account and
// those of Deps.Throttles (the SIP registrar's), each key with its
// failures, last failure and wait, and a button (a CSRF-protected form,
// logged) that lifts it. The unix socket serves the same API
// (/api/security/throttles, /api/security/lift) and the users' list,
// unlock, enable and password routes, which is how tracectl on the
// appliance's console lets an admin back in whatever happened on the
// network.
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
// defused). The records list the customers' calls: an agent's feature-code
// calls (type feature_code) only when the filter names that type, here and
// in /api/calls.
//
// # Calls in progress and the queues' figures
//
// What a call is doing has one definition, package cdr/phase: ringing in,
// in the IVR, waiting in a queue, ringing an agent, talking with an agent
// (a callback request waiting without a line, an agent's feature code
// apart). The server follows the bus with a phase.Tracker (live.go), and
// the line monitor, /api/lines, the wallboard, /api/wallboard and
// /api/status count and word calls from it; the records' Phase (in
// /api/calls) comes from the same package in the cdr writer. The line
// monitor lists every line of Deps.Lines (the core's telephony.Calls: every
// driver's) and then the calls on no listed line, and says what each is
// doing in the page's words (live_i18n.go): the phase, the kind of IVR
// node, the queue, the agent; never a node id.
//
// The wallboard's queues are the ACD's (Deps.Wallboard, WallboardFromACD)
// and any queue with calls now or records today; each queue's calls now
// come from the tracker, its figures for today (answered, abandoned, short
// abandons, service level, abandon rate) from the call records by
// cdr.QueueFigures' formulas, through Deps.Figures (the cdr writer's tally,
// so the wallboard and the records agree call for call). The page's help
// writes the definitions and formulas out in both languages. Without
// Deps.Wallboard the page says the ACD is not configured.
//
// Admins get the queue and agent pages (/admin/queues, /admin/agents, in
// acd_admin_pages.go; the list card and select options they share are in
// templates/partials/admin.html, parsed with every page): the live list
// (refreshed like the wallboard) and one form to create or edit, posted to
// the same path (or /{name}) and answered 422 with the note next to each
// field at fault. They and /api/queues,
// /api/agents change the running ACD through Deps.ACD (ACDAdmin), which
// keeps the change in the store before applying it. Creating an agent creates
// the panel user of that username and role when there is none and shows its
// generated password once. The form fields are named as the API's JSON.
//
// # Agent desktop
//
// /agent (agents and above; desk_page.go, templates/agent.html,
// assets/desk.js) is the agent's state bar, screen pop, soft phone and
// wrap-up notes. The pop is composed by package screenpop (a bus subscriber
// of its own, off every hot path) and published as a screenpop.Pop ("pop" on
// /api/events), which eventView shows to that agent alone and to team
// leaders and above. GET /api/desk/state gives a desktop that (re)loads the
// agent's state and current pop, as the screenpop.Composer follows them.
// The buttons are POST /api/desk/<action> (login, logout, ready, not_ready,
// answer, hangup, hold, transfer, transfer/complete, transfer/cancel,
// conference; JSON bodies), passed to Deps.Desk (package desk, over the ACD
// and call control) for the logged-in user; only team leaders and above may
// name another agent. A phone that cannot be answered from the desktop gets
// 409 "no_remote_answer", which the desktop explains in the agent's
// language. /api/customers looks up, creates and updates customers;
// POST /api/calls/{id}/notes adds a wrap-up note (the agent offered or
// taking the call, or a team leader and above), kept by the store apart from
// the record the cdr writer rewrites, and shown on the call records page
// and in calls.csv.
//
// # Personal data
//
// Customers' records are opened on a need-to-know basis (customers.go).
// Team leaders and above open any customer. An agent opens by id only the
// customer of the call last offered to them (the screen pop's) and those
// they found by a whole number or saved in the last hour; every other id
// gets the same 403 whether it exists or not, and new customers get random
// ids, so the book cannot be walked. There is no list: a search is by one
// exact number, and an agent whose searches keep finding nobody is slowed
// down (429), one search at a time. An agent's save that adds a number
// another customer has is a search too (its 409 is audited and counted
// like one, and names the number only if the save added just one), so
// saves cannot walk the book either. Every search and every read by id, granted or refused, goes
// to the audit log (audit.go: the store's append-only audit bucket and the
// daemon's log), which duty managers and admins read at /admin/audit and
// /api/audit, times in the appliance's zone.
//
// # Failures and limits
//
// A request the appliance itself cannot serve is answered with what failed
// and why (failure.go), never a bare 500: the store's disk errors map to
// their own status and reason (a full data disk is 507 disk_full), and the
// JSON carries the sentence in the user's language as "message"; pages show
// the same sentence. Every route's body is bounded (body.go: 413 naming
// the limit) and must keep arriving at a minimum rate from when its headers
// are read, whether or not a handler reads it, or the connection is cut; an
// answer given before its body was read closes the connection rather than
// wait for the rest (keepBodyMoving). HTTPServer sets the header, idle and
// size limits for every listener; LimitListener keeps one client address to
// a bounded number of open connections (conns.go); /assets/ never lists a
// directory.
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
// follows the stream: the line monitor, the wallboard and the admin lists
// fetch themselves again, at most twice a second, when something happens
// (the server decides what a call is doing, never the script). The streams
// end when Run returns.
//
// # Streams
//
// POST /api/sim/call answers with newline-delimited JSON, one object per event of
// the call as it happens, built from the event bus; see .notes/API.md at the
// repository root for every route. POST /api/sim/phone streams the same way
// for as long as the client stays: a simulated agent phone's rings, answers
// and hangups (from the Simulator's optional PhoneSimulator), and what the
// appliance said on a call the phone dialled, held back until the phone has
// seen the answer so the lines come in the order things happened.
package web
