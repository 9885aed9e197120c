// The phone ticket page: polls the ticket's status and offers to cancel it
// while it waits. (Live updates over a WebSocket replace the polling later.)
(function () {
  "use strict";

  const root = document.getElementById("ticket");
  if (!root || !window.CounterApi) return;
  const api = window.CounterApi;
  const d = root.dataset;
  const pollMs = (Number(d.pollSeconds) || 10) * 1000;
  // Statuses nothing can change any more: no need to keep asking.
  const FINAL = ["done", "cancelled", "expired"];
  const offline = document.getElementById("phone-offline");
  const errorBox = document.getElementById("phone-error");
  const cancelButton = document.getElementById("phone-cancel");
  const dialog = document.getElementById("phone-cancel-dialog");
  let timer = null;

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

  function render(ticket) {
    const changedToCalled = ticket.status === "called" && d.status !== "called";
    d.status = ticket.status;
    fill("number", ticket.number);
    fill("business_type_name", ticket.business_type_name);
    fill("business_type_name_en", ticket.business_type_name_en);
    fill("status_label", ticket.status_label);
    fill("ahead", ticket.ahead);
    fill("wait", waitText(ticket.estimated_wait_minutes));
    fill("go_to", deskLine(d.goToTemplate, ticket));
    fill("serving_at", deskLine(d.servingTemplate, ticket));
    root.querySelectorAll("[data-when]").forEach(function (el) {
      el.hidden = el.dataset.when.split(" ").indexOf(ticket.status) === -1;
    });
    if (ticket.status !== "waiting" && dialog.open) dialog.close("keep");
    if (changedToCalled && navigator.vibrate) navigator.vibrate([300, 150, 300]);
  }

  function showError(err) {
    errorBox.textContent = !err || err.status === 0 ? d.networkMessage : err.message || d.networkMessage;
    errorBox.hidden = false;
  }

  async function poll() {
    clearTimeout(timer);
    try {
      render(await api.get(d.url, { timeoutMs: 8000 }));
      offline.hidden = true;
    } catch (err) {
      if (err.status === 0) offline.hidden = false;
    }
    if (FINAL.indexOf(d.status) === -1) timer = setTimeout(poll, pollMs);
  }

  async function cancel() {
    errorBox.hidden = true;
    cancelButton.disabled = true;
    try {
      render(await api.post(d.cancelUrl, {}, { timeoutMs: 10000 }));
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
    if (document.visibilityState === "visible" && FINAL.indexOf(d.status) === -1) poll();
  });

  if (FINAL.indexOf(d.status) === -1) timer = setTimeout(poll, pollMs);
})();
