// Today at a glance, live: polls the supervision API and redraws the figures and the two small tables.
(function () {
  "use strict";

  const section = document.getElementById("today");
  if (!section) return;
  const url = section.dataset.url;
  const pollMs = Number(section.dataset.pollMs) || 10000;
  const live = document.getElementById("today-live");

  function cell(tag, text, className) {
    const el = document.createElement(tag);
    el.textContent = text === null || text === undefined ? "—" : String(text);
    if (className) el.className = className;
    if (tag === "th") el.scope = "row";
    return el;
  }

  function rows(tableId, items, build) {
    const body = document.querySelector("#" + tableId + " tbody");
    if (!body) return;
    body.replaceChildren.apply(
      body,
      items.map(function (item) {
        const tr = document.createElement("tr");
        build(item).forEach(function (td) {
          tr.appendChild(td);
        });
        return tr;
      })
    );
  }

  function draw(today) {
    section.querySelectorAll("[data-today]").forEach(function (el) {
      const value = today[el.dataset.today];
      el.textContent = value === null || value === undefined ? (el.dataset.today === "longest_wait_number" ? "" : "—") : String(value);
    });
    rows("today-waiting", today.waiting, function (row) {
      return [cell("th", row.prefix + " " + row.name), cell("td", row.waiting, "num"), cell("td", row.open_desks, "num")];
    });
    rows("today-desks", today.desks, function (desk) {
      const state = document.createElement("td");
      state.appendChild(cell("span", desk.state_label, "sv-state sv-state-" + desk.state));
      return [cell("th", desk.name), state, cell("td", desk.officer), cell("td", desk.ticket)];
    });
  }

  async function poll() {
    try {
      const today = await window.CounterApi.get(url, { timeoutMs: 8000 });
      draw(today);
      document.dispatchEvent(new CustomEvent("counter:today", { detail: today }));
      live.classList.remove("sv-live-off");
    } catch (err) {
      live.classList.add("sv-live-off");
    }
  }

  setInterval(poll, pollMs);
})();
