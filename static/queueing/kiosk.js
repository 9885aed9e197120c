// The lobby kiosk: choose a business type, read its checklist (一次性告知),
// confirm (with an optional priority lane), take and print a ticket; or enter
// the code of a missing-documents notice for a priority ticket. Several screens
// in one page; every write goes through the JSON API. Waiting counts and
// estimates follow the site's display socket; availability comes from a slower
// poll of the business types.
(function () {
  "use strict";

  const root = document.getElementById("kiosk");
  if (!root || !window.CounterApi) return;
  const api = window.CounterApi;
  const cfg = {
    typesUrl: root.dataset.typesUrl,
    issueUrl: root.dataset.issueUrl,
    printUrl: root.dataset.printUrl,
    idleMs: (Number(root.dataset.idleSeconds) || 30) * 1000,
    ticketMs: (Number(root.dataset.ticketSeconds) || 15) * 1000,
    pollMs: (Number(root.dataset.pollSeconds) || 5) * 1000,
    queueSocket: root.dataset.queueSocket,
    waitTemplate: root.dataset.waitTemplate,
    noWait: root.dataset.noWait,
    networkMessage: root.dataset.networkMessage,
    site: root.dataset.site,
    checklistUrl: root.dataset.checklistUrl,
    checklistQrUrl: root.dataset.checklistQrUrl,
    noticeUrl: root.dataset.noticeUrl,
    alphabet: root.dataset.codeAlphabet || "",
    codeLength: Number(root.dataset.codeLength) || 8,
    copiesTemplate: root.dataset.copiesTemplate,
    groupTemplate: root.dataset.groupTemplate,
    everyoneLabel: root.dataset.everyoneLabel,
    versionTemplate: root.dataset.versionTemplate,
    whereTemplate: root.dataset.whereTemplate,
    codeShort: root.dataset.codeShort,
    codeOtherSite: root.dataset.codeOtherSite,
  };
  const english = (document.documentElement.lang || "").toLowerCase().startsWith("en");
  const screens = {};
  root.querySelectorAll("[data-screen]").forEach(function (el) { screens[el.dataset.screen] = el; });
  const list = document.getElementById("kiosk-types");
  const offline = document.getElementById("kiosk-offline");
  const printArea = document.getElementById("kiosk-print");
  const confirmButtons = Array.from(root.querySelectorAll('[data-action="confirm"], [data-action="bring-confirm"], [data-action="notice-confirm"]'));
  const bringButton = screens.confirm.querySelector('[data-action="bring"]');
  const lookupButton = screens.code.querySelector('[data-action="notice-lookup"]');
  const retryButton = screens.error.querySelector('[data-action="retry"]');
  const toggles = Array.from(screens.confirm.querySelectorAll("[data-priority-kind]"));

  let current = "start";
  let chosen = null;
  // The checklist shown on the confirm screen (null: none published, or not loaded);
  // its version goes with the ticket as the version the citizen was shown.
  let checklist = null;
  let checklistLoading = false;
  let checklistSeq = 0;
  // The notice code being typed (keypad, keyboard or scanner) and the notice found.
  let codeRaw = "";
  let notice = null;
  let scanBuffer = "";
  let scanTimer = null;
  // The screen a ticket was requested from, for "Try again".
  let issueFrom = "confirm";
  // One key per visit to the confirm screen: a double tap, or a retry after a
  // lost answer, gets the ticket the first request created instead of a second one.
  let idempotencyKey = null;
  let busy = false;
  let idleTimer = null;
  // Polled this often while the socket is down, and only this rarely while it is up.
  const SAFETY_POLL_MS = 30000;
  let socketOnline = null;
  let pollFailed = false;
  let pollTimer = null;
  let deskChangeTimer = null;

  function waitText(minutes) {
    if (minutes === null || minutes === undefined) return "–";
    return minutes > 0 ? cfg.waitTemplate.replace("%(minutes)s", String(minutes)) : cfg.noWait;
  }

  function field(screen, name) {
    return screens[screen].querySelector('[data-field="' + name + '"]');
  }

  function setText(screen, name, value) {
    const el = field(screen, name);
    if (el) el.textContent = value === null || value === undefined ? "" : String(value);
  }

  function show(name) {
    Object.keys(screens).forEach(function (key) { screens[key].hidden = key !== name; });
    current = name;
    window.scrollTo(0, 0);
    // The page is one screen high and scrolls inside <main> and the checklist boxes.
    const main = root.closest("main");
    if (main) main.scrollTop = 0;
    screens[name].querySelectorAll(".checklist").forEach(function (box) { box.scrollTop = 0; });
    armIdle();
  }

  // The next citizen should meet the kiosk in the hall's default language.
  const defaultLanguage = root.dataset.defaultLanguage;
  const inOtherLanguage = function () {
    return Boolean(defaultLanguage) && document.documentElement.lang !== defaultLanguage;
  };

  function armIdle() {
    clearTimeout(idleTimer);
    // Reading the whole checklist takes longer than a tap: that screen waits twice as long.
    let ms = current === "bring" ? cfg.idleMs * 2 : cfg.idleMs;
    // A printed ticket stays until "Done" or the longer timeout.
    if (current === "ticket") ms = Math.max(cfg.ticketMs, cfg.idleMs);
    // 长辈模式: twice as long again.
    if (window.CounterElder && window.CounterElder.isOn()) ms *= 2;
    if (current !== "start" || inOtherLanguage()) idleTimer = setTimeout(onIdle, ms);
    return ms;
  }

  function restoreLanguage() {
    const button = document.querySelector('form.lang button[value="' + defaultLanguage + '"]');
    if (button) button.form.requestSubmit(button);
  }

  // Nobody has touched the kiosk for a while: ask first (kiosk_assist.js), except on the
  // printed ticket, then back to the start in the default language and the default mode.
  function onIdle() {
    const assist = window.CounterKioskAssist;
    if (!assist || current === "ticket") return leave();
    const ms = armIdle();
    clearTimeout(idleTimer);
    assist.askMoreTime(leave, armIdle, ms);
  }

  function leave() {
    if (window.CounterKioskAssist) window.CounterKioskAssist.forget();
    if (window.CounterElder) window.CounterElder.set(false);
    if (inOtherLanguage()) restoreLanguage();
    else reset();
  }

  function reset() {
    chosen = null;
    checklist = null;
    checklistSeq += 1;
    notice = null;
    codeRaw = "";
    idempotencyKey = null;
    show("start");
    refresh();
  }

  // --- Start screen ---------------------------------------------------------

  function updateButton(button, type) {
    button.dataset.waiting = type.waiting;
    button.dataset.wait = type.estimated_wait_minutes;
    button.querySelector(".type-waiting").textContent = String(type.waiting);
    button.querySelector(".type-wait").textContent = waitText(type.estimated_wait_minutes);
    const reason = button.querySelector(".type-reason");
    button.disabled = !type.available;
    button.classList.toggle("is-unavailable", !type.available);
    if (type.available) button.removeAttribute("aria-disabled");
    else button.setAttribute("aria-disabled", "true");
    button.querySelector(".type-stats").hidden = !type.available;
    reason.hidden = type.available;
    reason.textContent = type.available ? "" : type.unavailable_reason || "";
  }

  function showOffline() {
    offline.hidden = !(socketOnline === false || pollFailed);
  }

  // The display socket's waiting rows: counts and estimates only.
  function renderWaiting(message) {
    if (!Array.isArray(message.waiting)) return;
    const rows = {};
    message.waiting.forEach(function (row) { rows[row.business_type] = row; });
    list.querySelectorAll("button.type").forEach(function (button) {
      const row = rows[button.dataset.prefix];
      if (!row) return;
      button.dataset.waiting = row.waiting;
      button.dataset.wait = row.estimated_wait_minutes;
      button.querySelector(".type-waiting").textContent = String(row.waiting);
      button.querySelector(".type-wait").textContent = waitText(row.estimated_wait_minutes);
      if (current === "confirm" && chosen && chosen.prefix === row.business_type) {
        setText("confirm", "waiting", row.waiting);
        setText("confirm", "wait", waitText(row.estimated_wait_minutes));
      }
    });
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(function () {
      (busy ? Promise.resolve() : refresh()).finally(schedulePoll);
    }, socketOnline ? SAFETY_POLL_MS : cfg.pollMs);
  }

  async function refresh() {
    let types;
    try {
      types = await api.get(cfg.typesUrl, { timeoutMs: 8000 });
    } catch (err) {
      pollFailed = true;
      showOffline();
      return;
    }
    pollFailed = false;
    showOffline();
    const buttons = Array.from(list.querySelectorAll("button.type"));
    const shown = buttons.map(function (b) { return b.dataset.prefix; }).join();
    const wanted = types.map(function (t) { return t.prefix; }).join();
    if (shown !== wanted) {
      // A type was added, removed or reordered in the admin: the server renders
      // the new list. Only on the start screen, never under a citizen's finger.
      if (current === "start") window.location.reload();
      return;
    }
    types.forEach(function (type, i) { updateButton(buttons[i], type); });
  }

  // --- Confirm screen -------------------------------------------------------

  function openConfirm(button) {
    chosen = {
      prefix: button.dataset.prefix,
      name: button.dataset.name,
      nameEn: button.dataset.nameEn,
      waiting: Number(button.dataset.waiting),
      wait: Number(button.dataset.wait),
    };
    idempotencyKey = api.newKey();
    setText("confirm", "prefix", chosen.prefix);
    setText("confirm", "name", chosen.name);
    setText("confirm", "name_en", chosen.nameEn);
    setText("confirm", "waiting", chosen.waiting);
    setText("confirm", "wait", waitText(chosen.wait));
    toggles.forEach(function (t) { t.setAttribute("aria-pressed", "false"); });
    show("confirm");
    loadChecklist(chosen.prefix);
  }

  // --- Checklist ------------------------------------------------------------

  function loc(obj, name) {
    const en = obj[name + "_en"];
    const hasEn = Array.isArray(en) ? en.length > 0 : Boolean(en);
    return english && hasEn ? en : obj[name];
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function node(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  }

  // One document: its name, original or copy, and how many; the full list adds notes and where to get it.
  function itemNode(item, full) {
    const li = node("li", "doc");
    li.dataset.itemId = item.id;
    li.appendChild(node("span", "doc-name", loc(item, "name")));
    const meta = node("span", "doc-meta");
    meta.appendChild(node("span", "doc-form doc-form-" + item.form, item.form_label));
    if (item.copies > 1) meta.appendChild(node("span", "doc-copies", fill(cfg.copiesTemplate, { number: item.copies })));
    li.appendChild(meta);
    if (full) {
      const notes = loc(item, "notes");
      const where = loc(item, "where");
      if (notes) li.appendChild(node("span", "doc-notes", notes));
      if (where) li.appendChild(node("span", "doc-where", fill(cfg.whereTemplate, { where: where })));
    }
    return li;
  }

  // The documents by the citizen's situation; "" (everyone) comes as the API orders it, usually first.
  function renderGroups(container, items, full) {
    const groups = [];
    const byKey = {};
    items.forEach(function (item) {
      if (!byKey[item.group]) {
        byKey[item.group] = { key: item.group, label: loc(item, "group"), items: [] };
        groups.push(byKey[item.group]);
      }
      byKey[item.group].items.push(item);
    });
    container.replaceChildren();
    groups.forEach(function (group) {
      const box = node("div", "doc-group");
      if (group.key || groups.length > 1) {
        box.appendChild(node("h3", "doc-group-title", group.key ? fill(cfg.groupTemplate, { group: group.label }) : cfg.everyoneLabel));
      }
      const list = node("ul", "checklist-items");
      group.items.forEach(function (item) { list.appendChild(itemNode(item, full)); });
      box.appendChild(list);
      container.appendChild(box);
    });
  }

  function renderList(scope, name, lines) {
    const part = scope.querySelector('[data-checklist-part="' + name + '"]');
    const list = scope.querySelector('[data-checklist-list="' + name + '"]');
    if (!part || !list) return;
    list.replaceChildren();
    (lines || []).forEach(function (line) { list.appendChild(node("li", "", line)); });
    part.hidden = !(lines && lines.length);
  }

  function renderText(scope, name, text) {
    const part = scope.querySelector('[data-checklist-part="' + name + '"]');
    const target = scope.querySelector('[data-checklist-text="' + name + '"]');
    if (!part || !target) return;
    target.textContent = text || "";
    part.hidden = !text;
  }

  function renderChecklist(scope, data, full) {
    renderGroups(scope.querySelector("[data-checklist-groups]"), data.items, full);
    renderList(scope, "conditions", loc(data, "conditions"));
    if (!full) return;
    renderList(scope, "steps", loc(data, "steps"));
    renderText(scope, "fees", loc(data, "fees"));
    renderText(scope, "time_limit", loc(data, "time_limit"));
    renderText(scope, "notes", loc(data, "notes"));
  }

  function checklistState(state) {
    const summary = screens.confirm.querySelector('[data-checklist="summary"]');
    summary.querySelectorAll("[data-checklist-status]").forEach(function (el) {
      el.hidden = el.dataset.checklistStatus !== state;
    });
    const ready = state === "ready";
    bringButton.hidden = !ready;
    screens.confirm.querySelector('[data-confirm-label="checklist"]').hidden = !ready;
    screens.confirm.querySelector('[data-confirm-label="plain"]').hidden = ready;
    checklistLoading = state === "loading";
    setIssuing(busy);
  }

  async function loadChecklist(prefix) {
    const seq = ++checklistSeq;
    checklist = null;
    checklistState("loading");
    let data = null;
    try {
      data = await api.get(cfg.checklistUrl.replace("PREFIX", encodeURIComponent(prefix)), { timeoutMs: 8000 });
    } catch (err) {
      // No published checklist (404), or no answer: the citizen can still take a number.
      data = null;
    }
    if (seq !== checklistSeq) return; // the citizen went back or chose another business meanwhile
    if (!data || !Array.isArray(data.items) || !data.items.length) {
      checklistState("none");
      return;
    }
    checklist = data;
    renderChecklist(screens.confirm, data, false);
    checklistState("ready");
  }

  function openBring() {
    if (!checklist || !chosen) return;
    setText("bring", "prefix", chosen.prefix);
    setText("bring", "name", english && chosen.nameEn ? chosen.nameEn : chosen.name);
    const address = new URL(checklist.url, window.location.origin).href;
    setText("bring", "address", address);
    setText("bring", "version", fill(cfg.versionTemplate, { version: checklist.version }));
    field("bring", "qr").src =
      cfg.checklistQrUrl.replace("PREFIX", encodeURIComponent(chosen.prefix)) + "?v=" + encodeURIComponent(checklist.version);
    renderChecklist(screens.bring, checklist, true);
    show("bring");
  }

  function choosePriority(toggle) {
    // One kind at most; tapping the chosen one again clears it.
    const pressed = toggle.getAttribute("aria-pressed") === "true";
    toggles.forEach(function (t) { t.setAttribute("aria-pressed", "false"); });
    toggle.setAttribute("aria-pressed", pressed ? "false" : "true");
  }

  function priorityKind() {
    const pressed = toggles.find(function (t) { return t.getAttribute("aria-pressed") === "true"; });
    return pressed ? pressed.dataset.priorityKind : "";
  }

  function setIssuing(on) {
    confirmButtons.forEach(function (button) {
      // Until the checklist has loaded, the ticket could not say which version was shown.
      button.disabled = on || (button.dataset.action !== "notice-confirm" && checklistLoading);
    });
    lookupButton.disabled = on || !codeComplete(currentCode());
  }

  // Take the ticket; `from` is the screen a "Try again" returns to. Refusals go
  // to the error screen unless `onRefusal` handles them.
  async function issue(body, from, onRefusal) {
    if (busy) return;
    busy = true;
    issueFrom = from;
    setIssuing(true);
    try {
      const ticket = await api.post(cfg.issueUrl, body, { idempotencyKey: idempotencyKey, timeoutMs: 15000 });
      showTicket(ticket);
      print(ticket);
    } catch (err) {
      if (onRefusal && err && err.status !== 0) onRefusal(err);
      else showError(err);
    } finally {
      busy = false;
      setIssuing(false);
    }
  }

  function confirm() {
    if (!chosen || checklistLoading) return;
    const kind = priorityKind();
    const body = { business_type: chosen.prefix, priority: kind !== "", priority_kind: kind };
    if (checklist) body.checklist_version = checklist.version;
    return issue(body, current === "bring" ? "bring" : "confirm");
  }

  // --- Missing-documents notice: the code, then the priority ticket ----------

  // What people type or a scanner sends: any case, spaces, dashes, or the notice's address (…/n/CODE/).
  function normalizeCode(raw) {
    let text = raw.trim().toUpperCase().split(/[?#]/)[0].replace(/\/+$/, "");
    text = text.slice(text.lastIndexOf("/") + 1);
    return text.replace(/[\s-]/g, "");
  }

  function currentCode() {
    return normalizeCode(codeRaw);
  }

  function codeComplete(code) {
    if (code.length !== cfg.codeLength) return false;
    return code.split("").every(function (ch) { return cfg.alphabet.indexOf(ch) !== -1; });
  }

  function codeError(message) {
    const el = field("code", "code_error");
    el.textContent = message || "";
    el.hidden = !message;
  }

  function renderCode() {
    const code = currentCode();
    screens.code.querySelectorAll("[data-slot]").forEach(function (slot) {
      const ch = code.charAt(Number(slot.dataset.slot));
      slot.textContent = ch;
      slot.classList.toggle("is-filled", ch !== "");
    });
    screens.code.querySelector(".code-display").classList.toggle("is-too-long", code.length > cfg.codeLength);
    lookupButton.disabled = busy || !codeComplete(code);
  }

  function openCode(raw) {
    notice = null;
    codeRaw = raw || "";
    codeError("");
    renderCode();
    show("code");
  }

  function typeKey(key) {
    const code = currentCode();
    if (key === "delete") codeRaw = code.slice(0, -1);
    else if (key === "clear") codeRaw = "";
    else if (code.length < cfg.codeLength) codeRaw = code + key;
    codeError("");
    renderCode();
  }

  async function lookupNotice() {
    if (busy) return;
    const code = currentCode();
    if (!codeComplete(code)) {
      codeError(cfg.codeShort);
      return;
    }
    busy = true;
    setIssuing(true);
    let found = null;
    try {
      found = await api.get(cfg.noticeUrl.replace("CODE", encodeURIComponent(code)), { timeoutMs: 8000 });
    } catch (err) {
      codeError(err && err.status !== 0 ? err.message : cfg.networkMessage);
    } finally {
      busy = false;
      setIssuing(false);
    }
    if (!found || current !== "code") return;
    if (found.site !== cfg.site) {
      codeError(cfg.codeOtherSite);
      return;
    }
    notice = found;
    idempotencyKey = api.newKey();
    if (found.status === "valid") {
      openNotice(found);
      return;
    }
    // Used or expired: the server is the judge and words the refusal (with its date).
    issueWithNotice("code", function (err) { codeError(err.message); });
  }

  function openNotice(found) {
    setText("notice", "code", found.code);
    setText("notice", "prefix", found.business_type);
    setText("notice", "name", found.business_type_name);
    setText("notice", "name_en", found.business_type_name_en);
    const list = field("notice", "items");
    list.replaceChildren();
    (found.items || []).forEach(function (item) { list.appendChild(itemNode(item, false)); });
    setText("notice", "note", found.note);
    field("notice", "note").hidden = !found.note;
    field("notice", "items_box").hidden = !(found.items && found.items.length) && !found.note;
    show("notice");
  }

  function issueWithNotice(from, onRefusal) {
    if (!notice) return;
    // `priority` too: the server words people-ahead and the wait from the request's flag, taken
    // before the notice makes the ticket a priority one (the ticket is recorded as the notice's).
    const body = { business_type: notice.business_type, notice_code: notice.code, priority: true };
    return issue(body, from, onRefusal);
  }

  // Keys typed at the code screen: a keyboard, or a scanner that types the
  // notice's address or code and then Enter.
  function onCodeKey(event) {
    if (event.key === "Enter") {
      event.preventDefault(); // not a click on whichever key of the keypad has the focus
      if (!busy) lookupNotice();
    } else if (event.key === "Backspace") {
      event.preventDefault();
      typeKey("delete");
    } else if (event.key.length === 1) {
      event.preventDefault();
      codeRaw += event.key;
      codeError("");
      renderCode();
    }
  }

  // A notice scanned on the start screen opens the code screen with it.
  function onStartKey(event) {
    clearTimeout(scanTimer);
    if (event.key === "Enter") {
      if (kioskHooks.scanHandlers.some(function (handle) { return handle(scanBuffer); })) {
        event.preventDefault();
        scanBuffer = "";
        return;
      }
      const code = normalizeCode(scanBuffer);
      scanBuffer = "";
      if (codeComplete(code)) {
        event.preventDefault();
        openCode(code);
        lookupNotice();
      }
      return;
    }
    if (event.key.length === 1) scanBuffer += event.key;
    scanTimer = setTimeout(function () { scanBuffer = ""; }, 2000);
  }

  // --- Ticket and error screens ---------------------------------------------

  function showTicket(ticket) {
    setText("ticket", "number", ticket.number);
    setText("ticket", "business_type_name", ticket.business_type_name);
    setText("ticket", "business_type_name_en", ticket.business_type_name_en);
    setText("ticket", "ahead", ticket.ahead);
    setText("ticket", "wait", waitText(ticket.estimated_wait_minutes));
    field("ticket", "priority").hidden = !ticket.priority;
    idempotencyKey = null;
    notice = null;
    codeRaw = "";
    show("ticket");
  }

  function print(ticket) {
    // The print page calls window.print() itself; a kiosk browser started with
    // --kiosk-printing sends it to the thermal printer without a dialog.
    printArea.replaceChildren();
    const frame = document.createElement("iframe");
    frame.className = "print-frame";
    frame.title = "print";
    frame.tabIndex = -1;
    frame.src = cfg.printUrl.replace("TOKEN", encodeURIComponent(ticket.token));
    printArea.appendChild(frame);
  }

  function showError(err) {
    const network = !err || err.status === 0;
    setText("error", "error", network ? cfg.networkMessage : err.message || cfg.networkMessage);
    // A lost connection or a busy server may have issued the ticket already:
    // retrying keeps the same key and so the same ticket.
    retryButton.hidden = !(network || err.status === 503 || err.status === 429);
    show("error");
  }

  // --- Clock ------------------------------------------------------------------

  function startClock() {
    const clock = document.getElementById("kiosk-clock");
    if (!clock) return;
    let format;
    try {
      format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        timeZone: clock.dataset.timeZone,
        month: "long",
        day: "numeric",
        weekday: "short",
        hour: "2-digit",
        minute: "2-digit",
        hour12: false,
      });
    } catch (err) {
      return; // an unknown time zone: no clock rather than a wrong one
    }
    const tick = function () { clock.textContent = format.format(new Date()); };
    tick();
    setInterval(tick, 10000);
  }

  // --- Wiring -----------------------------------------------------------------

  root.addEventListener("click", function (event) {
    const type = event.target.closest("button.type");
    if (type && !type.disabled) return openConfirm(type);
    const toggle = event.target.closest("[data-priority-kind]");
    if (toggle) return choosePriority(toggle);
    const key = event.target.closest("[data-key]");
    if (key) return typeKey(key.dataset.key);
    const action = event.target.closest("[data-action]");
    if (!action || action.disabled) return;
    switch (action.dataset.action) {
      case "confirm":
      case "bring-confirm": return confirm();
      case "bring": return openBring();
      case "bring-back": return show("confirm");
      case "notice": return openCode("");
      case "notice-lookup": return lookupNotice();
      case "notice-confirm": return issueWithNotice("notice");
      case "retry": return show(issueFrom);
      case "back":
        // From a found notice, back to its code; everywhere else, back to the start.
        if (current === "notice") return openCode(notice ? notice.code : "");
        return reset();
      case "done": return leave();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (current === "code") onCodeKey(event);
    else if (current === "start") onStartKey(event);
  });
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, armIdle, { passive: true });
  });

  function connectSocket() {
    if (!window.CounterLive || !cfg.queueSocket) return;
    window.CounterLive.connect({
      path: cfg.queueSocket,
      onSnapshot: renderWaiting,
      onMessage: function (message) {
        if (message.type === "queue") renderWaiting(message);
        // A desk opened, paused or closed: availability and estimates may have changed.
        if (message.type === "desk") {
          clearTimeout(deskChangeTimer);
          deskChangeTimer = setTimeout(function () { if (!busy) refresh(); }, 1000);
        }
      },
      onStatus: function (online) {
        socketOnline = online;
        showOffline();
        schedulePoll();
      },
    });
  }

  // Screens of the apps built on the queue (appointments) use the kiosk's screens, ticket and print.
  const kioskHooks = { show: show, reset: reset, error: showError, scanHandlers: [] };
  kioskHooks.ticket = function (ticket) { showTicket(ticket); print(ticket); };
  window.CounterKiosk = kioskHooks;

  startClock();
  armIdle();
  connectSocket();
  schedulePoll();
})();
