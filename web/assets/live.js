// tracecall live views: follows /api/events (server-sent events) and keeps
// the line monitor's table and the wallboard up to date without a reload.
// No framework, no build step. Every string comes from the page's
// data-l-* attributes, which the server fills from its catalogue.
(function () {
  "use strict";
  var lines = document.getElementById("lines");
  var board = document.getElementById("board");
  var status = document.getElementById("live-status");
  if (!lines && !board) {
    return;
  }

  function setStatus(open) {
    document.body.dataset.live = open ? "open" : "closed";
    if (status) {
      status.textContent = open ? status.dataset.open : status.dataset.closed;
      status.classList.toggle("off", !open);
    }
  }

  // --- line monitor ---
  var dirs = {}; // call id -> inbound | outbound, from call_started

  function l(key) {
    return (lines && lines.dataset["l" + key]) || "";
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // clock formats an RFC 3339 time as HH:MM:SS in the server's zone.
  function clock(iso) {
    var t = Date.parse(iso);
    if (isNaN(t) || t <= 0) {
      return "";
    }
    var d = new Date(t + Number(lines.dataset.tz || 0) * 1000);
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }

  function stateText(state, dir) {
    var key = { "idle": "Idle", "ringing": "Ringing", "in-call": "InCall" }[state];
    var t = (key && l(key)) || state;
    if (state !== "idle" && dir && l(dir === "outbound" ? "Outbound" : "Inbound")) {
      t += " (" + l(dir === "outbound" ? "Outbound" : "Inbound") + ")";
    }
    return t;
  }

  function rowFor(line) {
    var rows = lines.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].dataset.line === line) {
        return rows[i];
      }
    }
    var tr = lines.tBodies[0].insertRow(-1);
    tr.dataset.line = line;
    ["c-line", "c-state", "c-caller", "c-called", "c-since", "c-doing"].forEach(function (c) {
      tr.insertCell(-1).className = c;
    });
    tr.cells[0].textContent = line;
    var none = document.getElementById("no-lines");
    if (none) {
      none.remove();
    }
    return tr;
  }

  function cell(tr, name) {
    return tr.querySelector("td.c-" + name);
  }

  function onLine(e) {
    var tr = rowFor(e.line);
    tr.dataset.call = e.call_id || "";
    var span = document.createElement("span");
    span.className = "state " + e.state;
    span.textContent = stateText(e.state, dirs[e.call_id]);
    var st = cell(tr, "state");
    st.replaceChildren(span);
    cell(tr, "caller").textContent = e.caller || "";
    cell(tr, "called").textContent = e.called || "";
    cell(tr, "since").textContent = clock(e.at);
    if (e.state === "idle") {
      cell(tr, "doing").textContent = "";
    } else if (e.state === "ringing") {
      cell(tr, "doing").textContent = l("DoingRinging");
    }
  }

  // doing sets the activity of the line that carries call id.
  function doing(id, text) {
    var rows = lines.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      if (id && rows[i].dataset.call === id) {
        cell(rows[i], "doing").textContent = text;
      }
    }
  }

  // --- wallboard: the server renders it; fetch the page again, at most once
  // a second, when something happens, and every ten seconds for the clocks.
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
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
          if (fresh) {
            board.replaceChildren.apply(board, Array.prototype.slice.call(fresh.childNodes));
            status = document.getElementById("live-status");
            setStatus(es.readyState === EventSource.OPEN);
          }
        })
        .catch(function () {})
        .then(function () { pending = false; });
    }, 1000);
  }

  var es = new EventSource("/api/events");
  var wasOpen = false;
  es.onopen = function () {
    if (wasOpen && lines) {
      location.reload(); // events were missed while away: start from the server's view
      return;
    }
    wasOpen = true;
    setStatus(true);
  };
  es.onerror = function () {
    setStatus(false);
  };

  function on(kind, fn) {
    es.addEventListener(kind, function (m) {
      var e;
      try {
        e = JSON.parse(m.data);
      } catch (err) {
        return;
      }
      fn(e);
    });
  }

  if (lines) {
    on("call_started", function (e) { dirs[e.call_id] = e.direction; });
    on("line", onLine);
    on("answered", function (e) { doing(e.call_id, l("DoingAnswered")); });
    on("ivr_step", function (e) { doing(e.call_id, l("DoingIvr") + " " + e.flow + "/" + e.node); });
    on("lookup", function (e) { doing(e.call_id, l("DoingLookup") + " " + e.code + ": " + e.result); });
    on("hangup", function (e) { delete dirs[e.call_id]; doing(e.call_id, ""); });
  }
  if (board) {
    ["line", "call_started", "hangup", "ivr_step", "lookup", "queued", "offered", "offer_missed",
      "taken", "abandoned", "overflowed", "agent_state"].forEach(function (k) { on(k, refresh); });
    setInterval(refresh, 10000);
  }
})();
