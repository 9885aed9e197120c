// The desk page's screens panel: the site's displays, desk displays and kiosks,
// connected since when, which have their sound blocked, and an alert for any
// not heard of for more than a minute. The desk socket brings `screens`
// messages (desk.js hands them over as a "counter:screens" event) when a screen
// comes, goes or changes, and every 15 s.
(function () {
  "use strict";

  const root = document.getElementById("desk-screens");
  if (!root) return;
  const data = root.dataset;
  const part = function (name) {
    return root.querySelector('[data-screens="' + name + '"]');
  };
  const english = (document.documentElement.lang || "").toLowerCase().startsWith("en");
  const KIND_LABELS = { display: data.kindDisplay, desk_display: data.kindDeskDisplay, kiosk: data.kindKiosk };
  const emptyText = (root.querySelector(".screens-empty") || {}).textContent || "";
  let payload = null;
  let receivedAt = 0;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text; // names are untrusted: text only
    return node;
  }

  function clock(iso) {
    const when = new Date(iso);
    if (isNaN(when)) return "";
    const options = { hour: "2-digit", minute: "2-digit" };
    if (new Date().toDateString() !== when.toDateString()) Object.assign(options, { month: "numeric", day: "numeric" });
    return when.toLocaleString(english ? "en-GB" : "zh-CN", options);
  }

  function draw() {
    if (!payload) return;
    const elapsed = Math.max(0, (Date.now() - receivedAt) / 1000);
    const staleAfter = payload.stale_after || 60;
    const list = part("list");
    const stale = [];
    list.replaceChildren();
    (payload.screens || []).forEach(function (screen) {
      // A connected screen's age comes fresh with every push (every 15 s); a closed
      // one's only grows, so it turns stale here on time without another push.
      const age = Math.floor(screen.connected ? screen.age : screen.age + elapsed);
      const isStale = age > staleAfter;
      if (isStale) stale.push(screen.name);
      const item = el("li");
      item.dataset.screen = screen.name;
      item.classList.toggle("is-stale", isStale);
      item.classList.toggle("is-connected", screen.connected && !isStale);
      item.append(el("span", "screens-name", screen.name));
      if (screen.sound === true || screen.sound === false) {
        const sound = el("span", "screens-sound" + (screen.sound ? "" : " is-blocked"), screen.sound ? data.soundOn : data.soundOff);
        item.append(sound);
      } else {
        item.append(el("span", "screens-sound", ""));
      }
      item.append(el("span", "screens-kind", KIND_LABELS[screen.kind] || screen.kind));
      let status;
      if (isStale) status = fill(data.silent, { seconds: age });
      else if (!screen.connected) status = data.disconnected;
      else status = fill(data.since, { time: clock(screen.since) });
      item.append(el("span", "screens-since", status));
      list.append(item);
    });
    if (!list.children.length) list.append(el("li", "screens-empty", emptyText));
    const alert = part("alert");
    alert.hidden = stale.length === 0;
    alert.textContent = stale.length ? fill(data.alert, { names: stale.join(", ") }) : "";
    const latency = payload.latency || {};
    part("latency").textContent = latency.samples
      ? fill(data.latency, { p50: latency.p50_ms, p95: latency.p95_ms, samples: latency.samples })
      : data.latencyNone;
  }

  function show(message) {
    if (!message || !Array.isArray(message.screens)) return;
    payload = message;
    receivedAt = Date.now();
    draw();
  }

  document.addEventListener("counter:screens", function (event) {
    show(event.detail);
  });
  setInterval(draw, 1000);
})();
