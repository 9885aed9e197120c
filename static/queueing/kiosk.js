// The lobby kiosk: choose a business type, confirm (with an optional priority
// lane), take and print a ticket. Four screens in one page; every write goes
// through the JSON API. Waiting counts and estimates follow the site's display
// socket; availability comes from a slower poll of the business types.
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
  };
  const screens = {};
  root.querySelectorAll("[data-screen]").forEach(function (el) { screens[el.dataset.screen] = el; });
  const list = document.getElementById("kiosk-types");
  const offline = document.getElementById("kiosk-offline");
  const printArea = document.getElementById("kiosk-print");
  const confirmButton = screens.confirm.querySelector('[data-action="confirm"]');
  const retryButton = screens.error.querySelector('[data-action="retry"]');
  const toggles = Array.from(screens.confirm.querySelectorAll("[data-priority-kind]"));

  let current = "start";
  let chosen = null;
  // One key per visit to the confirm screen: a double tap, or a retry after a
  // lost answer, gets the ticket the first request created instead of a second one.
  let idempotencyKey = null;
  let busy = false;
  let idleTimer = null;
  let ticketTimer = null;
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
    armIdle();
  }

  // The next citizen should meet the kiosk in the hall's default language.
  const defaultLanguage = root.dataset.defaultLanguage;
  const inOtherLanguage = function () {
    return Boolean(defaultLanguage) && document.documentElement.lang !== defaultLanguage;
  };

  function armIdle() {
    clearTimeout(idleTimer);
    if (current !== "start" || inOtherLanguage()) idleTimer = setTimeout(onIdle, cfg.idleMs);
  }

  function restoreLanguage() {
    const button = document.querySelector('form.lang button[value="' + defaultLanguage + '"]');
    if (button) button.form.requestSubmit(button);
  }

  // Nobody is at the kiosk any more: back to the start, in the default language.
  function onIdle() {
    if (inOtherLanguage()) restoreLanguage();
    else reset();
  }

  function reset() {
    clearTimeout(ticketTimer);
    chosen = null;
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
    confirmButton.disabled = false;
    show("confirm");
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

  async function confirm() {
    if (busy || !chosen) return;
    busy = true;
    confirmButton.disabled = true;
    const kind = priorityKind();
    try {
      const ticket = await api.post(
        cfg.issueUrl,
        { business_type: chosen.prefix, priority: kind !== "", priority_kind: kind },
        { idempotencyKey: idempotencyKey, timeoutMs: 15000 },
      );
      showTicket(ticket);
      print(ticket);
    } catch (err) {
      showError(err);
    } finally {
      busy = false;
      confirmButton.disabled = false;
    }
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
    show("ticket");
    clearTimeout(ticketTimer);
    ticketTimer = setTimeout(onIdle, Math.min(cfg.ticketMs, cfg.idleMs));
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
    const action = event.target.closest("[data-action]");
    if (!action) return;
    switch (action.dataset.action) {
      case "confirm": return confirm();
      case "retry": return show("confirm");
      case "back":
      case "done": return reset();
    }
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

  startClock();
  armIdle();
  connectSocket();
  schedulePoll();
})();
