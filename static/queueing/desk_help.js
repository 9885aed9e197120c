// The desk page's help alerts: kiosks whose citizen asked for staff, with how long
// each has waited. The desk socket brings the site's open requests (desk.js hands
// them over as a "counter:help" event); the first officer to press "I will go"
// takes one, and it leaves every desk page.
(function () {
  "use strict";

  const root = document.getElementById("desk-help");
  if (!root || !window.CounterApi) return;
  const d = root.dataset;
  const list = root.querySelector('[data-help="list"]');
  const errorBox = root.querySelector('[data-help="error"]');
  let requests = [];
  let receivedAt = 0;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function waited(request) {
    const total = Math.floor(request.waited_seconds + (Date.now() - receivedAt) / 1000);
    return fill(d.waited, { minutes: Math.floor(total / 60), seconds: total % 60 });
  }

  function draw() {
    root.hidden = requests.length === 0;
    list.replaceChildren();
    requests.forEach(function (request) {
      const item = document.createElement("li");
      item.className = "desk-help-item";
      item.dataset.help = String(request.id);
      const text = document.createElement("span");
      text.className = "desk-help-text";
      const name = document.createElement("strong");
      name.textContent = fill(d.needs, { kiosk: request.kiosk }); // the kiosk's name is untrusted: text only
      const time = document.createElement("span");
      time.className = "desk-help-waited";
      time.dataset.helpWaited = "";
      time.textContent = waited(request);
      text.append(name, " · ", time);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-danger desk-help-take";
      button.dataset.helpTake = String(request.id);
      button.textContent = d.take;
      item.append(text, button);
      list.append(item);
    });
  }

  function tick() {
    list.querySelectorAll("[data-help]").forEach(function (item) {
      const request = requests.find(function (r) { return String(r.id) === item.dataset.help; });
      const time = item.querySelector("[data-help-waited]");
      if (request && time) time.textContent = waited(request);
    });
  }

  function receive(message) {
    if (!message || !Array.isArray(message.requests)) return;
    requests = message.requests;
    receivedAt = Date.now();
    draw();
  }

  async function take(id, button) {
    button.disabled = true;
    errorBox.hidden = true;
    try {
      await window.CounterApi.post(d.takeUrl.replace("ID", encodeURIComponent(id)), {}, { timeoutMs: 10000 });
      requests = requests.filter(function (r) { return String(r.id) !== String(id); });
      draw();
    } catch (err) {
      // Taken by another desk meanwhile (409) says who; the live message removes it anyway.
      errorBox.textContent = err && err.status !== 0 ? err.message : d.networkMessage;
      errorBox.hidden = false;
      button.disabled = false;
    }
  }

  list.addEventListener("click", function (event) {
    const button = event.target.closest("[data-help-take]");
    if (button && !button.disabled) take(button.dataset.helpTake, button);
  });
  document.addEventListener("counter:help", function (event) { receive(event.detail); });
  setInterval(tick, 1000);
})();
