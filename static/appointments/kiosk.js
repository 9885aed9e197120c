// The kiosk's "I have an appointment" (我有预约): the booking's code by keypad, keyboard or
// QR scanner, checked in through the issue path (`appointment_code`). The kiosk's own
// script (window.CounterKiosk) shows the screens, the ticket and prints it.
(function () {
  "use strict";

  const kiosk = window.CounterKiosk;
  const api = window.CounterApi;
  const root = document.getElementById("kiosk");
  const screen = root && root.querySelector('[data-screen="appointment"]');
  const refused = root && root.querySelector('[data-screen="appointment-refused"]');
  if (!kiosk || !api || !screen || !refused) return;
  const alphabet = root.dataset.codeAlphabet || "";
  const length = Number(root.dataset.codeLength) || 8;
  const url = screen.dataset.checkInUrl;
  const checkInButton = screen.querySelector('[data-appt-action="check-in"]');
  const walkInButton = refused.querySelector('[data-appt-action="walk-in"]');
  const errorBox = screen.querySelector('[data-appt-field="error"]');
  let code = "";
  let busy = false;
  let key = null;
  let walkInType = null;

  // What people type or a scanner sends: any case, spaces, dashes, or the booking's address (…/a/CODE/).
  function normalize(raw) {
    let text = raw.trim().toUpperCase().split(/[?#]/)[0].replace(/\/+$/, "");
    text = text.slice(text.lastIndexOf("/") + 1);
    return text.replace(/[\s-]/g, "");
  }

  function complete(value) {
    return value.length === length && value.split("").every(function (ch) { return alphabet.indexOf(ch) !== -1; });
  }

  function render() {
    screen.querySelectorAll("[data-appt-slot]").forEach(function (slot) {
      const ch = code.charAt(Number(slot.dataset.apptSlot));
      slot.textContent = ch;
      slot.classList.toggle("is-filled", ch !== "");
    });
    checkInButton.disabled = busy || !complete(code);
  }

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  function open(initial) {
    code = normalize(initial || "").slice(0, length);
    key = api.newKey();
    showError("");
    render();
    kiosk.show("appointment");
  }

  function type(value) {
    if (value === "delete") code = code.slice(0, -1);
    else if (value === "clear") code = "";
    else if (code.length < length) code += value;
    showError("");
    render();
  }

  function refuse(err) {
    refused.querySelector('[data-appt-field="refusal"]').textContent = err.message;
    // Too late or cancelled: the same citizen gets an ordinary ticket of the business in one touch.
    walkInType = (err.body && err.body.business_type) || null;
    walkInButton.hidden = !walkInType;
    kiosk.show("appointment-refused");
  }

  async function checkIn() {
    if (busy) return;
    if (!complete(code)) {
      showError(screen.dataset.codeShort);
      return;
    }
    busy = true;
    render();
    try {
      const ticket = await api.post(url, { appointment_code: code }, { idempotencyKey: key, timeoutMs: 15000 });
      kiosk.ticket(ticket);
    } catch (err) {
      if (!err || err.status === 0) kiosk.error(err);
      else if (err.status === 409) refuse(err);
      else showError(err.message);
    } finally {
      busy = false;
      render();
    }
  }

  async function walkIn() {
    if (busy || !walkInType) return;
    busy = true;
    try {
      kiosk.ticket(await api.post(url, { business_type: walkInType }, { idempotencyKey: api.newKey(), timeoutMs: 15000 }));
    } catch (err) {
      kiosk.error(err);
    } finally {
      busy = false;
    }
  }

  root.addEventListener("click", function (event) {
    const k = event.target.closest("[data-appt-key]");
    if (k) return type(k.dataset.apptKey);
    const action = event.target.closest("[data-appt-action]");
    if (!action || action.disabled) return;
    switch (action.dataset.apptAction) {
      case "open": return open("");
      case "check-in": return checkIn();
      case "walk-in": return walkIn();
      case "back": return kiosk.reset();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (screen.hidden || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (event.key === "Enter") {
      event.preventDefault();
      if (normalize(code) !== code) code = normalize(code).slice(0, length);
      checkIn();
    } else if (event.key === "Backspace") {
      event.preventDefault();
      type("delete");
    } else if (event.key.length === 1) {
      event.preventDefault();
      // A scanner types the whole address: keep it raw until Enter, showing what fits.
      const next = normalize(code + event.key);
      code = /[/:.]/.test(event.key) || next.length > length ? code + event.key : next;
      showError("");
      render();
    }
  });

  // A booking's QR code scanned on the start screen (…/a/CODE/) opens check-in with it.
  kiosk.scanHandlers.push(function (raw) {
    if (!/\/a\/[^/]+\/?$/i.test(raw.trim())) return false;
    open(raw);
    checkIn();
    return true;
  });
})();
