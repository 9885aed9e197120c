// The phone ticket page: follows the ticket live over its WebSocket, keeps a
// slow poll as a safety net, and offers to cancel the ticket while it waits.
(function () {
  "use strict";

  const root = document.getElementById("ticket");
  if (!root || !window.CounterApi) return;
  const api = window.CounterApi;
  const d = root.dataset;
  // Polled this often while the socket is down, and only this rarely while it is up.
  const pollMs = (Number(d.pollSeconds) || 10) * 1000;
  const SAFETY_POLL_MS = 45000;
  // Statuses nothing can change any more: no need to keep asking.
  const FINAL = ["done", "cancelled", "expired"];
  const offline = document.getElementById("phone-offline");
  const errorBox = document.getElementById("phone-error");
  const cancelButton = document.getElementById("phone-cancel");
  const dialog = document.getElementById("phone-cancel-dialog");
  const chime = document.getElementById("phone-chime");
  const noticeBox = document.getElementById("phone-notice");
  const checklistLink = document.getElementById("phone-checklist");
  let timer = null;
  let live = null;
  let socketOnline = null; // null until the socket has said anything
  let pollFailed = false;
  let socketSeq = 0; // counts socket messages, so a slower poll answer never paints over a newer one
  let recalls = null;
  // Status labels in this page's language. Socket messages carry the language
  // of whoever made the change, so their labels are only a fallback.
  const labels = {};
  const statusLabel = root.querySelector('[data-field="status_label"]');
  if (statusLabel) labels[d.status] = statusLabel.textContent;

  function isFinal() {
    return FINAL.indexOf(d.status) !== -1;
  }

  function fill(name, text) {
    root.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = text === null || text === undefined ? "" : String(text);
    });
  }

  function waitText(minutes) {
    if (minutes === null || minutes === undefined) return "–";
    return minutes > 0 ? d.waitTemplate.replace("%(minutes)s", String(minutes)) : d.noWait;
  }

  function deskLine(template, ticket) {
    if (!ticket.desk) return "";
    return template.replace("%(desk)s", d.deskTemplate.replace("%(number)s", ticket.desk));
  }

  function alertCitizen() {
    if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
    if (chime) {
      try {
        chime.currentTime = 0;
        const played = chime.play();
        if (played && played.catch) played.catch(function () {}); // the browser blocks sound until a tap
      } catch (err) {
        // no sound then; the page and the vibration still say it
      }
    }
  }

  // The missing-documents notice, once the desk has given one.
  function showNotice(notice) {
    if (!noticeBox || notice === undefined) return;
    noticeBox.hidden = !notice;
    if (!notice) return;
    noticeBox.href = notice.url;
    fill("notice_code", notice.code);
  }

  function render(ticket) {
    const changedToCalled = ticket.status === "called" && d.status !== "called";
    const recalled = ticket.status === "called" && recalls !== null && ticket.recalls > recalls;
    recalls = ticket.recalls;
    d.status = ticket.status;
    fill("number", ticket.number);
    fill("business_type_name", ticket.business_type_name);
    fill("business_type_name_en", ticket.business_type_name_en);
    fill("status_label", labels[ticket.status] || ticket.status_label);
    fill("ahead", ticket.ahead);
    fill("wait", waitText(ticket.estimated_wait_minutes));
    fill("go_to", deskLine(d.goToTemplate, ticket));
    fill("serving_at", deskLine(d.servingTemplate, ticket));
    showNotice(ticket.notice);
    if (checklistLink && ticket.checklist_url) checklistLink.href = ticket.checklist_url;
    root.querySelectorAll("[data-when]").forEach(function (el) {
      el.hidden = el.dataset.when.split(" ").indexOf(ticket.status) === -1;
    });
    if (ticket.status !== "waiting" && dialog.open) dialog.close("keep");
    if (changedToCalled || recalled) alertCitizen();
    if (isFinal()) stop();
  }

  // An answer of the API: in this page's language, so its label is remembered.
  function renderApi(ticket) {
    labels[ticket.status] = ticket.status_label;
    render(ticket);
  }

  function showOffline() {
    offline.hidden = !(socketOnline === false || pollFailed);
  }

  function showError(err) {
    errorBox.textContent = !err || err.status === 0 ? d.networkMessage : err.message || d.networkMessage;
    errorBox.hidden = false;
  }

  function schedule() {
    clearTimeout(timer);
    if (!isFinal()) timer = setTimeout(poll, socketOnline ? SAFETY_POLL_MS : pollMs);
  }

  async function poll() {
    clearTimeout(timer);
    const seq = socketSeq;
    try {
      const ticket = await api.get(d.url, { timeoutMs: 8000 });
      if (seq === socketSeq) {
        renderApi(ticket);
      } else {
        // The socket spoke meanwhile and is newer: keep its state, take the label only.
        labels[ticket.status] = ticket.status_label;
        fill("status_label", labels[d.status] || "");
      }
      pollFailed = false;
    } catch (err) {
      if (err.status === 0) pollFailed = true;
    }
    showOffline();
    schedule();
  }

  function fromSocket(ticket) {
    if (!ticket) return;
    socketSeq += 1;
    render(ticket);
    // A status this page has no label for yet: ask the API once, in this page's language.
    if (!labels[ticket.status]) poll();
  }

  function stop() {
    clearTimeout(timer);
    if (live) {
      live.close();
      live = null;
    }
  }

  async function cancel() {
    errorBox.hidden = true;
    cancelButton.disabled = true;
    try {
      renderApi(await api.post(d.cancelUrl, {}, { timeoutMs: 10000 }));
    } catch (err) {
      showError(err);
      poll(); // the ticket may have been called meanwhile: show what it is now
    } finally {
      cancelButton.disabled = false;
    }
  }

  cancelButton.addEventListener("click", function () {
    errorBox.hidden = true;
    dialog.returnValue = "";
    dialog.showModal();
  });
  dialog.addEventListener("close", function () {
    if (dialog.returnValue === "cancel") cancel();
  });
  // Phones freeze background tabs: catch up as soon as the page is looked at again.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !isFinal()) poll();
  });

  if (isFinal()) return;
  if (window.CounterLive && d.socketPath) {
    live = window.CounterLive.connect({
      path: d.socketPath,
      onSnapshot: function (message) { fromSocket(message.ticket); },
      onMessage: function (message) {
        if (message.type === "ticket") fromSocket(message.ticket);
      },
      onStatus: function (online) {
        if (live === null && online === false && isFinal()) return; // closed on purpose
        socketOnline = online;
        showOffline();
        schedule();
      },
    });
  }
  schedule();
})();
