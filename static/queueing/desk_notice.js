// The desk's checklist panel: the documents of the business in hand, one
// checkbox each, and the missing-documents notice (补正材料一次性告知书) they
// make. It follows the desk's state through the "desk:state" event that
// desk.js fires after every render (socket, poll or action), and reloads the
// checklist only when the ticket or its business type changes.
(function () {
  "use strict";

  const api = window.CounterApi;
  const app = document.getElementById("desk-app");
  const panel = document.getElementById("desk-notice");
  if (!api || !app || !panel) return;

  const cfg = panel.dataset;
  const english = (document.documentElement.lang || "").toLowerCase().startsWith("en");
  const el = {
    note: document.getElementById("checklist-note"),
    result: document.getElementById("notice-result"),
    compose: document.getElementById("notice-compose"),
    code: document.getElementById("notice-code"),
    form: document.getElementById("notice-form"),
    fieldset: document.getElementById("notice-fieldset"),
    version: document.getElementById("notice-version"),
    shown: document.getElementById("notice-shown"),
    items: document.getElementById("notice-items"),
    text: document.getElementById("notice-note"),
    alert: document.getElementById("notice-alert"),
    issue: document.getElementById("notice-issue"),
    printArea: document.getElementById("notice-print-area"),
  };

  let ticketKey = null; // token and business type of the ticket the panel shows
  let loadSeq = 0;
  let busy = false;
  let notice = null; // {code, url} of the notice given for this ticket

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function loc(obj, name) {
    return (english && obj[name + "_en"]) || obj[name];
  }

  function node(tag, className, text) {
    const n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

  function status(name) {
    el.form.querySelectorAll("[data-notice-status]").forEach(function (part) {
      part.hidden = part.dataset.noticeStatus !== name;
    });
  }

  function showAlert(message) {
    el.alert.textContent = message || "";
    el.alert.hidden = !message;
  }

  // --- The checklist ---------------------------------------------------------

  function itemRow(item) {
    const row = node("div", "form-check notice-item");
    const box = node("input", "form-check-input");
    box.type = "checkbox";
    box.id = "notice-item-" + item.id;
    box.value = String(item.id);
    box.name = "items";
    const label = node("label", "form-check-label");
    label.htmlFor = box.id;
    label.appendChild(node("span", "notice-item-name", loc(item, "name")));
    let meta = item.form_label;
    if (item.copies > 1) meta += " · " + fill(cfg.copiesTemplate, { number: item.copies });
    label.appendChild(node("span", "notice-item-meta", meta));
    row.appendChild(box);
    row.appendChild(label);
    return row;
  }

  function renderItems(items) {
    el.items.replaceChildren();
    let group = null;
    const grouped = items.some(function (item) { return item.group; });
    items.forEach(function (item) {
      if (grouped && item.group !== group) {
        group = item.group;
        el.items.appendChild(node("p", "notice-group", group ? loc(item, "group") : cfg.everyoneLabel));
      }
      el.items.appendChild(itemRow(item));
    });
  }

  // The version the citizen was shown, from the ticket's checklist link (…?v=N).
  function shownVersion(ticket) {
    const match = /[?&]v=(\d+)/.exec(ticket.checklist_url || "");
    return match ? Number(match[1]) : null;
  }

  async function load(ticket) {
    const seq = ++loadSeq;
    status("loading");
    el.version.textContent = "";
    el.shown.hidden = true;
    let data = null;
    try {
      // The version the citizen was shown is the one the notice is written against.
      const shown = shownVersion(ticket);
      const url = cfg.checklistUrl.replace("PREFIX", encodeURIComponent(ticket.business_type));
      data = await api.get(shown === null ? url : `${url}?version=${shown}`, { timeoutMs: 10000 });
    } catch (err) {
      if (seq !== loadSeq) return;
      // No published checklist: a notice can still name what is missing in words.
      status("none");
      if (err.status === 0) showAlert(cfg.networkMessage);
      return;
    }
    if (seq !== loadSeq) return; // another ticket meanwhile
    renderItems(data.items || []);
    el.version.textContent = fill(cfg.versionTemplate, { version: data.version });
    const shown = shownVersion(ticket);
    if (shown !== null && shown !== data.version) {
      el.shown.textContent = fill(cfg.shownTemplate, { shown: shown, current: data.version });
      el.shown.hidden = false;
    }
    status(data.items && data.items.length ? "ready" : "none");
  }

  // --- The notice ------------------------------------------------------------

  function showNotice(given) {
    notice = given;
    el.result.hidden = !given;
    el.compose.hidden = Boolean(given);
    el.code.textContent = given ? given.code : "";
    // One notice per ticket: the ticked documents stay in view, for reference only.
    el.fieldset.disabled = Boolean(given);
  }

  async function issueNotice() {
    if (busy) return;
    busy = true;
    el.issue.disabled = true;
    showAlert("");
    const items = Array.from(el.items.querySelectorAll("input:checked")).map(function (box) { return Number(box.value); });
    try {
      const given = await api.post(cfg.noticeUrl, { items: items, note: el.text.value.trim() });
      showNotice({ code: given.code, url: given.url });
      el.result.scrollIntoView({ block: "nearest" }); // the print buttons, on a short screen
    } catch (err) {
      showAlert(err.status === 0 ? cfg.networkMessage : err.message);
    } finally {
      busy = false;
      el.issue.disabled = false;
    }
  }

  function print(layout) {
    if (!notice) return;
    // The notice page prints itself (autoprint), from a hidden frame as the kiosk prints tickets.
    const query = layout === "80mm" ? "?print=80mm&autoprint=1" : "?autoprint=1";
    const frame = node("iframe", "notice-print-frame");
    frame.title = "print";
    frame.tabIndex = -1;
    frame.src = notice.url + query;
    el.printArea.replaceChildren(frame);
  }

  // --- Following the desk ------------------------------------------------------

  function update(state) {
    const ticket = state && state.ticket;
    const key = ticket ? ticket.token + "|" + ticket.business_type : "";
    el.note.hidden = Boolean(ticket);
    el.form.hidden = !ticket;
    if (key !== ticketKey) {
      ticketKey = key;
      loadSeq += 1;
      el.form.reset();
      el.items.replaceChildren();
      el.printArea.replaceChildren();
      showAlert("");
      showNotice(null);
      if (ticket) load(ticket);
    }
    // A notice given for this ticket elsewhere (another tab, a desk device) shows once the state says so.
    if (ticket && ticket.notice && (!notice || notice.code !== ticket.notice.code)) {
      showNotice({ code: ticket.notice.code, url: ticket.notice.url });
    }
  }

  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    issueNotice();
  });
  panel.addEventListener("click", function (event) {
    const button = event.target.closest("[data-notice-print]");
    if (button) print(button.dataset.noticePrint);
  });
  app.addEventListener("desk:state", function (event) { update(event.detail); });

  const initial = document.getElementById("desk-state-data");
  update(initial ? JSON.parse(initial.textContent) : null);
})();
