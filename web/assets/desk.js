// tracecall agent desktop: the state bar, the screen pop card, the soft
// phone and the wrap-up notes of /agent. It follows /api/events (server-sent
// events: "pop", "agent_state", "offered", "offer_missed", "taken",
// "hangup", "held", "transfer", "conference") and acts through POST
// /api/desk/<action>, /api/customers and /api/calls/<id>/notes with the
// session's CSRF token in the X-CSRF-Token header. No framework, no build
// step; every string comes from the catalogue in #desk-labels.
(function () {
  "use strict";
  var desk = document.getElementById("desk");
  if (!desk) {
    return;
  }
  var L = {};
  try {
    L = JSON.parse(document.getElementById("desk-labels").textContent) || {};
  } catch (err) {
    L = {};
  }
  var me = desk.dataset.me;
  var csrf = desk.dataset.csrf;
  var tz = Number(desk.dataset.tz || 0);

  function $(id) {
    return document.getElementById(id);
  }
  function t(key, def) {
    return L[key] || def || key;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined && text !== null) {
      e.textContent = text;
    }
    return e;
  }
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  // clock formats an RFC 3339 time as YYYY-MM-DD HH:MM:SS in the server's zone.
  function clock(iso, withDate) {
    var ms = Date.parse(iso);
    if (isNaN(ms) || ms <= 0) {
      return "";
    }
    var d = new Date(ms + tz * 1000);
    var s = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    if (withDate) {
      s = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + s;
    }
    return s;
  }
  function duration(sec) {
    sec = Math.max(0, Math.round(sec));
    var h = Math.floor(sec / 3600), m = Math.floor(sec / 60) % 60, s = sec % 60;
    return (h ? h + ":" + pad(m) : m) + ":" + pad(s);
  }

  // --- messages ---
  var msgTimer = null;
  function say(ok, text) {
    var good = $("desk-ok"), bad = $("desk-msg");
    good.hidden = true;
    bad.hidden = true;
    var box = ok ? good : bad;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(msgTimer);
    msgTimer = setTimeout(function () { box.hidden = true; }, ok ? 3000 : 8000);
  }
  function failed(status, body) {
    var reason = (body && body.reason) || "";
    if (status === 403 && reason === "csrf") {
      reason = "csrf";
    }
    var text = L["err_" + reason];
    if (reason === "bad_text" || reason === "too_long" || reason === "no_name" || reason === "no_number" ||
        reason === "bad_number" || reason === "too_many_numbers" || reason === "bad_class") {
      text = t("err_bad_field") + ((body && body.field) || "") + " (" + reason + ")";
    }
    // body.message is the server's sentence in the page's language for a
    // failure of the appliance (a full data disk, ...); body.error is English.
    say(false, text || (body && body.message) || t("err_failed") + (body && body.error ? " (" + body.error + ")" : ""));
  }

  // send makes one API call with the CSRF token; it resolves to the
  // answer's JSON on success and shows the error otherwise.
  function send(method, path, body) {
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          failed(r.status, j);
          return Promise.reject(j);
        }
        return j;
      });
    });
  }
  function act(action, body) {
    return send("POST", "/api/desk/" + action, body).catch(function () {});
  }

  // --- agent state ---
  var since = null;
  function showState(st) {
    var b = $("agent-state");
    var state = (st && st.state) || "logged_out";
    b.className = "state " + state;
    b.dataset.state = state;
    b.textContent = t("agent_" + state, state);
    var r = (st && st.reason) || "";
    $("agent-reason").textContent = r ? "(" + t("reason_" + r, r) + ")" : "";
    since = st && st.since ? Date.parse(st.since) : Date.now();
    if (isNaN(since) || since <= 0) {
      since = Date.now();
    }
    tick();
  }
  function tick() {
    if (since !== null) {
      $("agent-state-time").textContent = duration((Date.now() - since) / 1000);
    }
  }
  setInterval(tick, 1000);

  // --- the pop card ---
  var current = null; // the call on the card: {id, state}

  function setCallState(state) {
    var card = $("pop");
    card.dataset.state = state;
    var s = $("pop-status");
    s.className = "state " + state;
    s.textContent = t("desk_call_" + state, state);
    if (current) {
      current.state = state;
    }
  }

  function hideCard() {
    $("pop").hidden = true;
    $("no-call").hidden = false;
    current = null;
  }

  function customerView(c, caller) {
    var box = $("pop-customer");
    box.replaceChildren();
    var form = $("customer-form");
    if (!c) {
      box.appendChild(el("p", "new-caller", t("desk_new_caller")));
      box.appendChild(el("p", "hint", t("desk_new_caller_hint")));
      $("btn-edit-customer").hidden = true;
      fillCustomerForm(null, caller);
      form.hidden = false;
      return;
    }
    var dl = el("dl", "facts");
    function row(k, v, cls) {
      if (!v) {
        return;
      }
      dl.appendChild(el("dt", "", t(k)));
      dl.appendChild(el("dd", cls || "", v));
    }
    row("desk_name", c.name, "cust-name");
    row("desk_class", t("class_" + c["class"], c["class"]), c["class"] === "vip" ? "vip" : "");
    row("desk_company", c.company);
    row("desk_numbers", (c.numbers || []).join(", "));
    row("desk_address", c.address);
    row("desk_cust_notes", c.notes);
    box.appendChild(dl);
    $("btn-edit-customer").hidden = false;
    fillCustomerForm(c, caller);
    form.hidden = true;
  }

  function fillCustomerForm(c, caller) {
    var form = $("customer-form");
    form.dataset.id = c ? c.id : "";
    $("cust-name").value = c ? c.name : "";
    $("cust-numbers").value = c ? (c.numbers || []).join(", ") : (caller || "");
    $("cust-class").value = c ? c["class"] : "normal";
    $("cust-company").value = c ? c.company || "" : "";
    $("cust-address").value = c ? c.address || "" : "";
    $("cust-notes").value = c ? c.notes || "" : "";
  }

  function hopLine(ev) {
    var li = el("li");
    li.appendChild(el("span", "when", clock(ev.at, true).slice(0, 16)));
    li.appendChild(el("span", "hop", t("hop_" + ev.type, ev.type)));
    var parts = [];
    if (ev.node && ev.node.name) {
      parts.push(ev.node.name);
    }
    if (ev.operator && ev.operator.name) {
      parts.push(ev.operator.name + (ev.operator.stallNo ? " " + ev.operator.stallNo : ""));
    }
    if (ev.goods && ev.goods.goodsName) {
      parts.push(ev.goods.goodsName + (ev.goods.part ? " " + ev.goods.part : ""));
    }
    if (ev.weightKg) {
      parts.push(t("desk_weight") + " " + ev.weightKg + " kg");
    }
    if (ev.originName || ev.farmName) {
      parts.push(t("desk_origin") + " " + [ev.originName, ev.farmName].filter(Boolean).join(" "));
    }
    if (ev.counterparty && ev.counterparty.name) {
      parts.push("→ " + ev.counterparty.name);
    }
    li.appendChild(document.createTextNode(" " + parts.join(" · ")));
    (ev.certificates || []).forEach(function (c) {
      var d = el("div", c.result === "fail" ? "fail" : "");
      d.textContent = t("cert_" + c.kind, c.kind) + " " + c.number + " " + t("certres_" + c.result, c.result);
      li.appendChild(d);
    });
    return li;
  }

  function codesView(codes) {
    var box = $("pop-code"), chains = $("pop-chain");
    box.replaceChildren();
    chains.replaceChildren();
    if (!codes || !codes.length) {
      box.appendChild(el("p", "hint", t("desk_no_codes")));
      return;
    }
    codes.forEach(function (c) {
      var d = el("div");
      d.appendChild(el("code", "", c.code));
      d.appendChild(document.createTextNode(" "));
      d.appendChild(el("span", "result " + c.result, t("result_" + c.result, c.result)));
      box.appendChild(d);
      if (!c.chain) {
        return;
      }
      var sec = el("div", "chain");
      sec.dataset.code = c.code;
      if (codes.length > 1) {
        sec.appendChild(el("h4", "", c.code));
      }
      var ol = el("ol", "chain");
      (c.chain.events || []).forEach(function (ev) { ol.appendChild(hopLine(ev)); });
      sec.appendChild(ol);
      if (!c.chain.complete && c.chain.missingHops && c.chain.missingHops.length) {
        sec.appendChild(el("p", "warn", t("desk_incomplete") +
          c.chain.missingHops.map(function (h) { return t("miss_" + h, h); }).join("、")));
      }
      chains.appendChild(sec);
    });
  }

  function recentView(recent) {
    var box = $("pop-recent");
    box.replaceChildren();
    if (!recent || !recent.length) {
      box.appendChild(el("p", "hint", t("desk_no_recent")));
      return;
    }
    var table = el("table", "list");
    var body = table.createTBody();
    recent.forEach(function (r) {
      var tr = body.insertRow(-1);
      tr.dataset.call = r.call_id;
      tr.insertCell(-1).textContent = r.start;
      tr.insertCell(-1).textContent = t("disp_" + r.disposition, r.disposition);
      tr.insertCell(-1).textContent = duration(r.duration || 0);
      tr.insertCell(-1).textContent = [r.queue, r.agent].filter(Boolean).join(" / ");
      tr.insertCell(-1).textContent = (r.codes || []).map(function (c) {
        return c.code + " " + t("result_" + c.result, c.result);
      }).join("; ");
      tr.insertCell(-1).textContent = (r.notes || []).map(function (n) { return n.agent + ": " + n.text; }).join(" | ");
    });
    box.appendChild(table);
  }

  function notesView(notes) {
    var ul = $("notes-list");
    ul.replaceChildren();
    (notes || []).forEach(function (n) {
      ul.appendChild(el("li", "", clock(n.at) + " " + n.agent + ": " + n.text));
    });
  }

  // showPop fills the card from a pop event (see web.Pop).
  function showPop(p, state) {
    var fresh = !current || current.id !== p.call_id;
    current = { id: p.call_id, state: state || "ringing", caller: p.caller };
    var card = $("pop");
    card.dataset.call = p.call_id;
    $("pop-caller").textContent = p.caller || "";
    $("pop-called").textContent = p.called || "";
    $("pop-queue").textContent = p.queue || "";
    $("pop-offered").textContent = clock(p.offered_at, true);
    var tb = p.transferred_by || "";
    $("pop-transferred").textContent = tb;
    Array.prototype.forEach.call(card.querySelectorAll(".transferred"), function (e) { e.hidden = !tb; });
    // A callback request: the agent answers, then the appliance dials the
    // caller back on this number.
    var d = p.data || {};
    var cb = d.callback === "1" ? (d.callback_number || "") + (d.callback_attempt ? " (#" + d.callback_attempt + ")" : "") : "";
    $("pop-callback").textContent = cb;
    Array.prototype.forEach.call(card.querySelectorAll(".callback"), function (e) { e.hidden = !cb; });
    // A number only the caller wrote (no trunk or peer vouches for it).
    $("pop-caller-unverified").hidden = d.caller_unverified !== "1";
    $("pop-ivr").textContent = (p.ivr_path || []).join(" → ") || p.ivr_flow || "";
    customerView(p.customer, p.caller);
    codesView(p.codes);
    recentView(p.recent);
    if (fresh) {
      $("notes").value = "";
      notesView([]);
      $("transfer-status").textContent = "";
      setHeld(false);
    }
    setCallState(current.state);
    card.hidden = false;
    $("no-call").hidden = true;
  }

  function setHeld(on) {
    var b = $("btn-hold");
    b.dataset.on = on ? "1" : "";
    b.textContent = on ? t("btn_resume") : t("btn_hold");
    $("pop-held").hidden = !on;
  }

  // --- buttons ---
  $("btn-login").addEventListener("click", function () { act("login"); });
  $("btn-logout").addEventListener("click", function () { act("logout"); });
  $("btn-ready").addEventListener("click", function () { act("ready"); });
  $("btn-notready").addEventListener("click", function () {
    act("not_ready", { reason: $("notready-reason").value });
  });
  $("btn-answer").addEventListener("click", function () { act("answer"); });
  $("btn-hangup").addEventListener("click", function () { act("hangup"); });
  $("btn-hold").addEventListener("click", function () {
    act("hold", { on: !$("btn-hold").dataset.on });
  });
  $("btn-conference").addEventListener("click", function () { act("conference"); });
  function transfer(consult) {
    var kind = $("transfer-kind").value;
    act("transfer", { target: { kind: kind, value: kind === "duty_manager" ? "" : $("transfer-to").value }, consult: consult });
  }
  $("btn-transfer-blind").addEventListener("click", function () { transfer(false); });
  $("btn-transfer-consult").addEventListener("click", function () { transfer(true); });
  $("btn-transfer-complete").addEventListener("click", function () { act("transfer/complete"); });
  $("btn-transfer-cancel").addEventListener("click", function () { act("transfer/cancel"); });
  $("btn-transfer-manager").addEventListener("click", function () {
    act("transfer", { target: { kind: "duty_manager", value: "" }, consult: true });
  });
  $("transfer-kind").addEventListener("change", function () {
    $("transfer-to").disabled = $("transfer-kind").value === "duty_manager";
  });

  $("btn-edit-customer").addEventListener("click", function () {
    $("customer-form").hidden = !$("customer-form").hidden;
  });
  $("customer-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var form = $("customer-form");
    var body = {
      name: $("cust-name").value,
      numbers: $("cust-numbers").value.split(/[,，;；\s]+/).filter(Boolean),
      "class": $("cust-class").value,
      company: $("cust-company").value,
      address: $("cust-address").value,
      notes: $("cust-notes").value
    };
    var id = form.dataset.id;
    send(id ? "PUT" : "POST", id ? "/api/customers/" + encodeURIComponent(id) : "/api/customers", body)
      .then(function (c) {
        say(true, t("desk_customer_saved"));
        customerView(c, current && current.caller);
      })
      .catch(function () {});
  });

  $("notes-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!current) {
      return;
    }
    send("POST", "/api/calls/" + encodeURIComponent(current.id) + "/notes", { text: $("notes").value })
      .then(function (r) {
        say(true, t("desk_notes_saved"));
        $("notes").value = "";
        notesView(r.notes);
      })
      .catch(function () {});
  });

  // --- the event stream ---
  function load() {
    return fetch("/api/desk/state", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        showState(s.state);
        if (s.pop && s.call_id === s.pop.call_id) {
          showPop(s.pop, s.call_state);
        } else if (!s.call_id) {
          hideCard();
        }
      })
      .catch(function () {});
  }

  var status = $("live-status");
  function setLive(open) {
    document.body.dataset.live = open ? "open" : "closed";
    status.textContent = open ? status.dataset.open : status.dataset.closed;
    status.classList.toggle("off", !open);
  }
  var es = new EventSource("/api/events");
  var wasOpen = false;
  es.onopen = function () {
    if (wasOpen) {
      load(); // events were missed while away: start from the server's view
    }
    wasOpen = true;
    setLive(true);
  };
  es.onerror = function () { setLive(false); };
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
  function mine(e) {
    return e.agent === me;
  }
  function onCard(e) {
    return current && e.call_id === current.id;
  }

  // later remembers how far calls offered to this agent got before their
  // pop arrived (a quick answer can overtake it).
  var later = {};
  on("pop", function (e) {
    if (mine(e)) {
      showPop(e, onCard(e) ? current.state : later[e.call_id] || "ringing");
    }
  });
  on("offered", function (e) {
    if (mine(e)) {
      later = {};
    }
  });
  on("agent_state", function (e) {
    if (mine(e)) {
      showState({ state: e.state, reason: e.reason, since: e.at });
    }
  });
  on("offer_missed", function (e) {
    if (mine(e) && onCard(e) && current.state === "ringing") {
      hideCard();
    }
  });
  on("taken", function (e) {
    if (!mine(e)) {
      return;
    }
    later[e.call_id] = "talking";
    if (onCard(e)) {
      setCallState("talking");
    }
  });
  on("hangup", function (e) {
    later[e.call_id] = "ended";
    if (onCard(e)) {
      setCallState("ended");
      setHeld(false);
    }
  });
  on("held", function (e) {
    if (onCard(e)) {
      setHeld(!!e.held);
    }
  });
  on("transfer", function (e) {
    if (onCard(e) && mine(e)) {
      $("transfer-status").textContent = t("stage_" + e.stage, e.stage) + " " +
        t("target_" + e.to, e.to) + " " + (e.target || "") + (e.reason ? " (" + e.reason + ")" : "");
    }
  });
  on("conference", function (e) {
    if (onCard(e)) {
      $("transfer-status").textContent = t("btn_conference") + ": " + (e.parties || []).join(", ");
    }
  });
  load();
})();
