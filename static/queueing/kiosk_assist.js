// The kiosk's help for citizens who need more of it (适老化): read each screen
// aloud, ask before returning to the start (on screen and aloud, with a big
// "more time" button), and call a member of staff to the kiosk. kiosk.js asks
// CounterKioskAssist before it resets; the speech goes through the page's one
// queue (CounterSpeech), so nothing is ever said over something else.
(function () {
  "use strict";

  const bar = document.getElementById("kiosk-assist");
  const app = document.getElementById("kiosk");
  if (!bar || !app || !window.CounterApi) return;
  const api = window.CounterApi;
  const d = bar.dataset;
  const idleBox = document.getElementById("kiosk-idle");
  const helpBox = document.getElementById("kiosk-help");
  const countdown = idleBox.querySelector('[data-field="countdown"]');
  const helpText = helpBox.querySelector('[data-field="help-text"]');
  const HELP_POLL_MS = 3000;

  // What a screen reads, in order: titles, each business, the documents, the figures, what to do next.
  const READ = [
    ".eyebrow", "h1", ".notice-entry", ".types > li", ".kiosk-hint", ".name-en", ".confirm-queue",
    ".checklist h2", ".checklist h3", ".checklist-status", ".checklist li", ".checklist-facts > div",
    ".checklist-part p", ".priority legend", ".bring-qr-title", ".code-help", ".code-error", ".notice-priority",
    ".ticket-number", ".ticket-type", ".ticket-priority", ".ticket-facts > div", ".ticket-take", ".error-message",
  ];
  // Marked when read: the checklists are drawn after the page loads.
  function mark() {
    app.querySelectorAll(READ.join(",")).forEach(function (el) { el.setAttribute("data-read", ""); });
    // Buttons say what they do when touched; the figures are what is worth hearing.
    app.querySelectorAll("[data-screen] .actions, .print-frames").forEach(function (el) { el.setAttribute("data-read-skip", ""); });
  }

  function visibleScreen() {
    return Array.from(app.querySelectorAll("[data-screen]")).find(function (s) { return !s.hidden; }) || null;
  }

  function say(text) {
    if (window.CounterReadAloud && text) window.CounterReadAloud.read([{ text: text, lang: window.CounterReadAloud.lang() }]);
  }

  if (window.CounterReadAloud) {
    window.CounterReadAloud.sources.kiosk = function () {
      const open = [idleBox, helpBox].find(function (box) { return !box.hidden; });
      if (open) return window.CounterReadAloud.phrasesOf(open);
      mark();
      const screen = visibleScreen();
      return screen ? window.CounterReadAloud.phrasesOf(screen) : [];
    };
  }

  // --- Before the reset: "do you need more time?" ---------------------------

  let idleTimer = null;
  let leaveFn = null;
  let stayFn = null;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] === undefined ? "" : String(values[k]); });
  }

  function closeIdle(stay) {
    if (idleBox.hidden) return;
    clearInterval(idleTimer);
    idleBox.hidden = true;
    if (window.CounterSpeech) window.CounterSpeech.stop();
    const fn = stay ? stayFn : leaveFn;
    leaveFn = stayFn = null;
    if (fn) fn();
  }

  // kiosk.js: nobody has touched the kiosk for a while. `leave` returns it to the start,
  // `stay` keeps the screen (and arms the idle timer again). The question waits half as
  // long as the idle time before it, at least 3 s.
  function askMoreTime(leave, stay, idleMs) {
    if (helpPending()) return stay(); // staff are on their way: keep the citizen's screen
    leaveFn = leave;
    stayFn = stay;
    let left = Math.max(3, Math.round(idleMs / 2000));
    countdown.textContent = fill(d.countdown, { seconds: left });
    idleBox.hidden = false;
    idleBox.querySelector('[data-action="more-time"]').focus();
    say(d.idleQuestion);
    clearInterval(idleTimer);
    idleTimer = setInterval(function () {
      left -= 1;
      if (left <= 0) return closeIdle(false);
      countdown.textContent = fill(d.countdown, { seconds: left });
    }, 1000);
  }

  // Any touch while the question is up means someone is there.
  ["pointerdown", "keydown"].forEach(function (name) {
    document.addEventListener(name, function () { closeIdle(true); }, { capture: true, passive: true });
  });

  // --- Ask staff for help -------------------------------------------------------

  let help = null; // the kiosk's request: {token, status, desk}
  let helpTimer = null;

  function helpPending() {
    return Boolean(help && help.status === "open");
  }

  function kioskName() {
    let name = null;
    try {
      name = new URLSearchParams(location.search).get("screen") || localStorage.getItem("counter.screen.kiosk");
    } catch (err) {
      name = null;
    }
    return (name || "kiosk").trim().slice(0, 40) || "kiosk";
  }

  function showHelp(text) {
    helpText.textContent = text;
    helpBox.hidden = false;
    helpBox.querySelector('[data-action="help-close"]').focus();
    say(text);
  }

  function followHelp() {
    clearTimeout(helpTimer);
    if (!helpPending()) return;
    helpTimer = setTimeout(async function () {
      try {
        const found = await api.get(d.helpStatusUrl.replace("TOKEN", encodeURIComponent(help.token)), { timeoutMs: 8000 });
        if (!help || found.token !== help.token) return;
        help = found;
        if (found.status === "taken") showHelp(fill(d.helpTaken, { desk: found.desk || "" }));
      } catch (err) {
        // the next poll tries again
      }
      followHelp();
    }, HELP_POLL_MS);
  }

  async function askForHelp() {
    if (helpPending()) return showHelp(d.helpSent);
    try {
      help = await api.post(d.helpUrl, { kiosk: kioskName() }, { timeoutMs: 10000 });
      showHelp(help.status === "taken" ? fill(d.helpTaken, { desk: help.desk || "" }) : d.helpSent);
      followHelp();
    } catch (err) {
      help = null;
      showHelp(d.helpFailed);
    }
  }

  function forget() {
    clearTimeout(helpTimer);
    help = null;
    helpBox.hidden = true;
  }

  document.addEventListener("click", function (event) {
    const action = event.target.closest("[data-action]");
    if (!action) return;
    if (action.dataset.action === "help") askForHelp();
    else if (action.dataset.action === "help-close") {
      helpBox.hidden = true;
      if (window.CounterSpeech) window.CounterSpeech.stop();
    } else if (action.dataset.action === "more-time") closeIdle(true);
  });

  window.CounterKioskAssist = { askMoreTime: askMoreTime, helpPending: helpPending, forget: forget };
})();
