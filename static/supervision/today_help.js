// Today at a glance: the kiosks waiting for staff, with how long each has waited.
// supervision.js hands over each poll of "today" as a "counter:today" event.
(function () {
  "use strict";

  const root = document.getElementById("today-help");
  if (!root) return;
  const list = root.querySelector('[data-help="list"]');
  let rows = Array.from(list.children).map(function (li) {
    return { kiosk: li.dataset.kiosk, waited_seconds: Number(li.dataset.waited) || 0 };
  });
  let receivedAt = Date.now();

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function draw() {
    root.hidden = rows.length === 0;
    list.replaceChildren();
    const elapsed = Math.floor((Date.now() - receivedAt) / 1000);
    rows.forEach(function (row) {
      const total = row.waited_seconds + elapsed;
      const item = document.createElement("li");
      item.className = "desk-help-item";
      const name = document.createElement("strong");
      name.textContent = fill(root.dataset.needs, { kiosk: row.kiosk }); // untrusted name: text only
      const time = document.createElement("span");
      time.className = "desk-help-waited";
      time.textContent = fill(root.dataset.waited, { minutes: Math.floor(total / 60), seconds: total % 60 });
      item.append(name, " · ", time);
      list.append(item);
    });
  }

  document.addEventListener("counter:today", function (event) {
    if (!event.detail || !Array.isArray(event.detail.help)) return;
    rows = event.detail.help;
    receivedAt = Date.now();
    draw();
  });
  draw();
  setInterval(draw, 1000);
})();
