// tracecall live views: follows /api/events (server-sent events) and keeps
// the line monitor, the wallboard and the admin lists up to date without a
// reload. The server renders every view (what a call is doing is decided in
// one place, package cdr/phase, never here): when something happens the
// script fetches the page again, at most twice a second, and swaps in the
// view's element (#board or #lines-view); and every ten seconds for the
// clocks. No framework, no build step.
(function () {
  "use strict";
  var view = document.getElementById("board") || document.getElementById("lines-view");
  var status = document.getElementById("live-status");
  if (!view) {
    return;
  }
  var es;

  function setStatus(open) {
    document.body.dataset.live = open ? "open" : "closed";
    if (status) {
      status.textContent = open ? status.dataset.open : status.dataset.closed;
      status.classList.toggle("off", !open);
    }
  }

  var pending = false;
  function refresh() {
    if (pending) {
      return;
    }
    pending = true;
    setTimeout(function () {
      fetch(location.pathname + location.search, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(view.id);
          if (fresh) {
            view.replaceChildren.apply(view, Array.prototype.slice.call(fresh.childNodes));
            status = document.getElementById("live-status");
            setStatus(es.readyState === EventSource.OPEN);
          }
        })
        .catch(function () {})
        .then(function () { pending = false; });
    }, 500);
  }

  es = new EventSource("/api/events");
  var wasOpen = false;
  es.onopen = function () {
    if (wasOpen) {
      refresh(); // events were missed while away: take the server's view
    }
    wasOpen = true;
    setStatus(true);
  };
  es.onerror = function () {
    setStatus(false);
  };

  ["line", "call_started", "answered", "hangup", "ivr_step", "lookup", "queued", "offered", "offer_missed",
    "taken", "abandoned", "overflowed", "held", "transfer", "callback_requested", "callback_failed",
    "agent_state"].forEach(function (k) { es.addEventListener(k, refresh); });
  setInterval(refresh, 10000);
})();
