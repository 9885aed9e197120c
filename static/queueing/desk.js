// The officers' desk page: renders the desk's state, sends every action to the
// JSON API and follows the desk and the site's queue live over WebSockets, with
// a slow poll as a safety net. Keyboard shortcuts let a USB
// keypad (叫号器) drive the desk; the server stays the judge of every action.
(function () {
  "use strict";

  const api = window.CounterApi;
  const root = document.getElementById("desk-app");
  if (!root || !api) return;

  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  const config = readJson("desk-config");
  const msgs = readJson("desk-messages");
  const english = (document.documentElement.lang || "").toLowerCase().startsWith("en");
  const networkMessage = root.dataset.networkMessage;

  const el = {
    name: document.getElementById("desk-name"),
    state: document.getElementById("desk-state"),
    officer: document.getElementById("desk-officer"),
    served: document.getElementById("served-today"),
    alert: document.getElementById("desk-alert"),
    number: document.getElementById("ticket-number"),
    type: document.getElementById("ticket-type"),
    status: document.getElementById("ticket-status"),
    priority: document.getElementById("ticket-priority"),
    times: document.getElementById("ticket-times"),
    checklistType: document.getElementById("checklist-type"),
    checklistNote: document.getElementById("checklist-note"),
    dialog: document.getElementById("desk-dialog"),
    dialogForm: document.getElementById("desk-dialog-form"),
    dialogTitle: document.getElementById("desk-dialog-title"),
    dialogAlert: document.getElementById("desk-dialog-alert"),
    dialogNumber: document.getElementById("dialog-number"),
    dialogType: document.getElementById("dialog-business-type"),
    dialogReason: document.getElementById("dialog-reason"),
  };
  const buttons = Array.from(root.querySelectorAll("button[data-action]"));

  // Which inputs each dialog action asks for; the other actions have no body.
  const DIALOG_FIELDS = {
    call: ["number", "reason"],
    requeue: ["number", "reason"],
    transfer: ["business_type", "reason"],
    pause: ["reason"],
  };

  // event.key first (what the key types), event.code for numpad keys whose
  // key value depends on the keyboard layout or NumLock.
  const KEYS = {
    Enter: "call-next", "+": "call-next",
    "*": "recall", r: "recall",
    s: "start", "/": "start",
    c: "complete", "-": "complete",
    x: "no-show", ".": "no-show",
    p: "pause-toggle", n: "call", q: "requeue", t: "transfer", o: "open-toggle",
  };
  const CODES = {
    NumpadEnter: "call-next", NumpadAdd: "call-next", NumpadMultiply: "recall",
    NumpadDivide: "start", NumpadSubtract: "complete", NumpadDecimal: "no-show",
  };

  let state = readJson("desk-state-data");
  let busy = false; // one action in flight at a time: a double press never sends twice
  let sending = null; // the key (action or toggle) in flight
  let pending = null; // a different key pressed meanwhile, sent once the answer is in
  let settled = Promise.resolve(); // resolves when the action in flight has its answer
  let dialogAction = null;
  let reasonsLoaded = false;
  // Answers, desk messages and a reconnecting socket's snapshot can arrive in any order. Each state carries
  // the site's version it is as of (read before the state, so never newer than it): an older version never
  // paints over a newer one; of the same version, only the newest request's answer paints.
  let requestSeq = 0;
  let paintedSeq = 0;
  let paintedVersion = state && typeof state.site_version === "number" ? state.site_version : -1;
  // Socket messages carry the language of whoever made the change: labels and
  // the desk's name are taken from this page's own answers instead.
  const statusLabels = {};
  if (state.ticket) statusLabels[state.ticket.status] = state.ticket.status_label;
  // Polled this often while a socket is down, and only this rarely while it is up.
  const SAFETY_POLL_MS = 45000;
  let deskOnline = false;
  let queueOnline = false;
  let deskTimer = null;
  let waitingTimer = null;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function minutesBetween(from, to) {
    return Math.max(0, Math.floor((to - from) / 60000));
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString(english ? "en-GB" : "zh-CN", { hour: "2-digit", minute: "2-digit" });
  }

  // --- Rendering -------------------------------------------------------------

  function ticketTimes(ticket) {
    const issued = Date.parse(ticket.issued_at);
    const parts = [];
    if (ticket.called_at) {
      const called = Date.parse(ticket.called_at);
      parts.push(format(msgs.waited, { minutes: minutesBetween(issued, called) }));
      parts.push(format(msgs.called_at, { time: clock(ticket.called_at) }));
    } else {
      parts.push(format(msgs.waiting_now, { minutes: minutesBetween(issued, Date.now()) }));
    }
    if (ticket.recalls > 0) parts.push(format(msgs.recalls, { count: ticket.recalls }));
    return parts.join(" · ");
  }

  function typeName(ticket) {
    return (english && ticket.business_type_name_en) || ticket.business_type_name;
  }

  function setLabel(action, text) {
    const button = buttons.find(function (b) { return b.dataset.action === action; });
    if (button) button.querySelector(".action-label").textContent = text;
  }

  function render() {
    const desk = state.desk;
    const ticket = state.ticket;
    root.dataset.deskState = desk.state;
    el.name.textContent = desk.name;
    el.state.textContent = msgs.states[desk.state] || desk.state;
    el.state.className = "state-badge state-" + desk.state;
    el.officer.textContent = desk.officer || "—";
    el.served.textContent = String(state.served_today);

    if (ticket) {
      el.number.textContent = ticket.number;
      el.number.classList.remove("is-empty");
      el.type.textContent = typeName(ticket);
      el.status.textContent = ticket.status_label;
      el.status.className = "status-badge status-" + ticket.status;
      el.status.hidden = false;
      el.priority.hidden = !ticket.priority;
      el.times.textContent = ticketTimes(ticket);
      el.checklistType.textContent = ticket.business_type + " · " + typeName(ticket);
      el.checklistType.hidden = false;
      el.checklistNote.textContent = msgs.checklist_note;
    } else {
      el.number.textContent = "—";
      el.number.classList.add("is-empty");
      el.type.textContent = msgs.no_ticket;
      el.status.hidden = true;
      el.priority.hidden = true;
      el.times.textContent = msgs.hints[desk.state] || "";
      el.checklistType.hidden = true;
      el.checklistNote.textContent = msgs.checklist_empty;
    }
    updateButtons();
    // For the panels that follow the desk (the checklist and notice panel).
    root.dispatchEvent(new CustomEvent("desk:state", { detail: state }));
  }

  // Buttons that make no sense now are disabled as a hint; the keyboard still
  // asks the server, whose refusal then explains why.
  function allowed(action) {
    const deskState = state.desk.state;
    const status = state.ticket ? state.ticket.status : null;
    switch (action) {
      case "call-next":
      case "call":
        return deskState === "open";
      case "recall":
      case "start":
      case "no-show":
        return status === "called";
      case "complete":
      case "transfer":
        return status === "serving";
      case "requeue":
        return true;
      case "pause-toggle":
        return deskState === "paused" || (deskState === "open" && !status);
      case "open-toggle":
        return deskState === "closed" || !status;
      default:
        return false;
    }
  }

  // The step an officer most likely takes next stands out.
  function suggested() {
    const status = state.ticket ? state.ticket.status : null;
    if (state.desk.state !== "open") return null;
    if (status === "called") return "start";
    if (status === "serving") return "complete";
    return "call-next";
  }

  function updateButtons() {
    const next = suggested();
    buttons.forEach(function (button) {
      button.disabled = !allowed(button.dataset.action);
      button.classList.toggle("is-suggested", button.dataset.action === next);
    });
    setLabel("pause-toggle", state.desk.state === "paused" ? msgs.resume : msgs.pause);
    setLabel("open-toggle", state.desk.state === "closed" ? msgs.open : msgs.close);
  }

  function renderWaiting(snapshot) {
    const counts = {};
    snapshot.waiting.forEach(function (row) { counts[row.business_type] = row.waiting; });
    root.querySelectorAll("[data-waiting-type]").forEach(function (row) {
      const count = counts[row.dataset.waitingType];
      row.querySelector("[data-waiting-count]").textContent = count === undefined ? "0" : String(count);
    });
  }

  // --- Alerts ----------------------------------------------------------------

  let alertKind = null;

  function messageOf(err) {
    if (err instanceof api.ApiError && err.status !== 0) return err.message;
    return networkMessage;
  }

  function showAlert(message, kind) {
    el.alert.textContent = message;
    el.alert.hidden = false;
    alertKind = kind;
  }

  function clearAlert(kind) {
    if (kind && alertKind !== kind) return;
    el.alert.hidden = true;
    el.alert.textContent = "";
    alertKind = null;
  }

  function showDialogAlert(message) {
    el.dialogAlert.textContent = message;
    el.dialogAlert.hidden = false;
  }

  // --- Talking to the API ----------------------------------------------------

  function paint(seq, data) {
    const version = typeof data.site_version === "number" ? data.site_version : paintedVersion;
    if (version < paintedVersion) return; // read before what the page shows (a late snapshot, a slow poll)
    if (version === paintedVersion && seq < paintedSeq) return; // an older answer arriving late
    paintedSeq = seq;
    paintedVersion = version;
    state = data;
    render();
  }

  // An answer of the API, in this page's language.
  function paintApi(seq, data) {
    if (data && data.ticket) statusLabels[data.ticket.status] = data.ticket.status_label;
    paint(seq, data);
  }

  function paintLive(message) {
    if (!message.desk) return;
    const data = {
      ticket: message.ticket || null,
      desk: message.desk,
      served_today: message.served_today,
      site_version: message.site_version,
    };
    if (state && state.desk) data.desk = Object.assign({}, data.desk, { name: state.desk.name });
    const unknownLabel = data.ticket && !statusLabels[data.ticket.status];
    if (data.ticket && !unknownLabel) {
      data.ticket = Object.assign({}, data.ticket, { status_label: statusLabels[data.ticket.status] });
    }
    paint(++requestSeq, data);
    if (unknownLabel) refreshDesk(); // once, for the label in this page's language
  }

  async function refreshDesk() {
    if (busy) return;
    const seq = ++requestSeq;
    try {
      paintApi(seq, await api.get(config.desk_url));
      if (deskOnline) clearAlert("network");
    } catch (err) {
      // A refused poll (signed out, desk gone) is shown like a network loss: in place, never a trace.
      if (!alertKind || alertKind === "network") showAlert(messageOf(err), "network");
    }
  }

  async function refreshWaiting() {
    try {
      renderWaiting(await api.get(config.snapshot_url));
    } catch (err) {
      // The desk poll reports connection trouble; the counts simply stay as they were.
    }
  }

  function send(action, body, key) {
    if (busy) return Promise.resolve(false);
    const done = post(action, body, key || action);
    settled = done.then(function () { return undefined; });
    return done;
  }

  async function post(action, body, key) {
    busy = true;
    sending = key;
    root.classList.add("is-busy");
    const seq = ++requestSeq;
    try {
      paintApi(seq, await api.post(config.desk_url + action + "/", body));
      clearAlert();
      return true;
    } catch (err) {
      if (el.dialog.open) showDialogAlert(messageOf(err));
      else showAlert(messageOf(err), err.status === 0 ? "network" : "action");
      return false;
    } finally {
      busy = false;
      sending = null;
      root.classList.remove("is-busy");
      if (!queueOnline) refreshWaiting(); // otherwise the display socket tells
      const next = pending;
      pending = null;
      if (next) trigger(next);
    }
  }

  async function loadReasons() {
    if (reasonsLoaded) return;
    try {
      const reasons = await api.get(config.reasons_url);
      reasons.forEach(function (reason) {
        const option = document.createElement("option");
        option.value = reason.code;
        option.textContent = (english && reason.label_en) || reason.label;
        el.dialogReason.appendChild(option);
      });
      reasonsLoaded = true;
      if (!reasons.length) showDialogAlert(msgs.no_reasons);
    } catch (err) {
      showDialogAlert(messageOf(err));
    }
  }

  // --- Dialog for actions that need a number, a business type or a reason ---

  function openDialog(action) {
    dialogAction = action;
    const fields = DIALOG_FIELDS[action];
    el.dialogTitle.textContent = msgs.dialogs[action];
    el.dialogAlert.hidden = true;
    el.dialogAlert.textContent = "";
    el.dialogForm.reset();
    el.dialogForm.querySelectorAll("[data-field]").forEach(function (field) {
      field.hidden = fields.indexOf(field.dataset.field) === -1;
    });
    if (action === "transfer" && state.ticket) {
      // Preselect another business than the one being served.
      const other = Array.from(el.dialogType.options).find(function (o) { return o.value !== state.ticket.business_type; });
      if (other) el.dialogType.value = other.value;
    }
    el.dialog.showModal();
    const first = fields[0] === "number" ? el.dialogNumber : fields[0] === "business_type" ? el.dialogType : el.dialogReason;
    first.focus();
    loadReasons();
  }

  el.dialogForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!dialogAction) return;
    const fields = DIALOG_FIELDS[dialogAction];
    const body = { reason: el.dialogReason.value || null };
    if (fields.indexOf("number") !== -1) body.number = el.dialogNumber.value.trim().toUpperCase();
    if (fields.indexOf("business_type") !== -1) body.business_type = el.dialogType.value;
    // A confirm pressed while another action is on its way waits for that answer instead of being dropped.
    if (busy) await settled;
    if (await send(dialogAction, body)) el.dialog.close();
  });

  el.dialogForm.querySelector("[data-dialog-cancel]").addEventListener("click", function () {
    el.dialog.close();
  });

  el.dialog.addEventListener("close", function () {
    dialogAction = null;
  });

  // --- Actions and shortcuts -------------------------------------------------

  function trigger(action) {
    if (el.dialog.open) return;
    if (busy) {
      // The desk socket often paints the called ticket before the call's own answer is back, and the
      // officer reacts to what the page shows: a different key pressed meanwhile is sent once the answer
      // is in (the last one wins), never dropped; the same key again is the double press sent only once.
      if (action !== sending) pending = action;
      return;
    }
    const key = action;
    if (action === "pause-toggle") action = state.desk.state === "paused" ? "resume" : "pause";
    if (action === "open-toggle") action = state.desk.state === "closed" ? "open" : "close";
    if (DIALOG_FIELDS[action]) {
      openDialog(action);
      return;
    }
    send(action, undefined, key);
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () { trigger(button.dataset.action); });
  });

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    return Boolean(target.closest("input, select, textarea, [contenteditable], dialog, .topbar"));
  }

  document.addEventListener("keydown", function (event) {
    // A held key repeats; modifier combinations belong to the browser (Ctrl+R reloads).
    if (event.repeat || event.isComposing || event.ctrlKey || event.altKey || event.metaKey) return;
    if (el.dialog.open || isTyping(event.target)) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const action = CODES[event.code] || KEYS[key];
    if (!action) return;
    // Enter on a focused button would also click it: the shortcut wins.
    event.preventDefault();
    trigger(action);
  });

  // --- Start -----------------------------------------------------------------

  function scheduleDesk() {
    clearTimeout(deskTimer);
    deskTimer = setTimeout(function () {
      refreshDesk().finally(scheduleDesk);
    }, deskOnline ? SAFETY_POLL_MS : config.poll_ms);
  }

  function scheduleWaiting() {
    clearTimeout(waitingTimer);
    waitingTimer = setTimeout(function () {
      refreshWaiting().finally(scheduleWaiting);
    }, queueOnline ? SAFETY_POLL_MS : config.poll_ms);
  }

  // The screens panel (desk_screens.js) draws what the desk socket says about the site's screens.
  function screens(message) {
    document.dispatchEvent(new CustomEvent("counter:screens", { detail: message }));
  }

  // The help alerts (desk_help.js) draw the site's open help requests.
  function help(message) {
    document.dispatchEvent(new CustomEvent("counter:help", { detail: message }));
  }

  function connectSockets() {
    if (!window.CounterLive) return;
    if (root.dataset.deskSocket) {
      window.CounterLive.connect({
        path: root.dataset.deskSocket,
        onSnapshot: function (message) {
          paintLive(message);
          if (message.screens) screens(message.screens);
          if (message.help) help(message.help);
        },
        onMessage: function (message) {
          if (message.type === "desk") paintLive(message);
          else if (message.type === "screens") screens(message);
          else if (message.type === "help") help(message);
        },
        onRefused: function () {
          // Signed out elsewhere, or no longer at this site: the socket has stopped retrying.
          showAlert(root.dataset.refusedMessage, "refused");
        },
        onStatus: function (online) {
          deskOnline = online;
          // The same discreet notice as a failed poll; the socket retries by itself.
          if (online) clearAlert("network");
          else if (!alertKind || alertKind === "network") showAlert(networkMessage, "network");
          scheduleDesk();
        },
      });
    }
    if (root.dataset.queueSocket) {
      window.CounterLive.connect({
        path: root.dataset.queueSocket,
        onSnapshot: renderWaiting,
        onMessage: function (message) {
          if (message.type === "queue") renderWaiting(message);
        },
        onStatus: function (online) {
          queueOnline = online;
          scheduleWaiting();
        },
      });
    }
  }

  render();
  refreshWaiting();
  connectSockets();
  scheduleDesk();
  scheduleWaiting();
})();
