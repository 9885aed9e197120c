// The screen above one window: its current number, from the site's display socket.
// It reports its health like every screen, acknowledges its desk's calls once
// drawn, and shows how fresh it is.
(function () {
  "use strict";

  const root = document.getElementById("desk-display");
  if (!root) return;
  const data = root.dataset;
  const field = function (name) {
    return root.querySelector('[data-field="' + name + '"]');
  };

  let live = null;
  let online = false;
  let lastUpdate = null;

  function tick() {
    const updated = field("updated");
    if (lastUpdate !== null) {
      const seconds = Math.max(0, Math.floor((Date.now() - lastUpdate) / 1000));
      updated.textContent = data.updatedTemplate.replace("%(seconds)s", String(seconds));
    }
    updated.classList.toggle("is-stale", !online);
  }

  function flash() {
    const number = field("number");
    number.classList.remove("is-new");
    void number.offsetWidth;
    number.classList.add("is-new");
  }

  function draw(desk) {
    const active = desk.ticket && (desk.ticket_status === "called" || desk.ticket_status === "serving");
    const number = field("number");
    const changed = active && number.textContent !== desk.ticket;
    number.textContent = active ? desk.ticket : "—";
    field("state").textContent =
      desk.state === "paused" ? data.statePaused : desk.state === "closed" ? data.stateClosed : data.stateOpen;
    root.classList.toggle("is-closed", desk.state !== "open");
    const officer = field("officer");
    officer.replaceChildren();
    if (desk.on_duty && desk.state !== "closed") officer.append(window.CounterOnDuty.node(desk.on_duty, data.policeNumber));
    officer.hidden = !officer.firstChild;
    if (changed) flash();
  }

  live = window.CounterLive.connect({
    path: data.socket,
    screen: { kind: "desk_display", prefix: "desk-" + data.desk },
    onActivity: function () {
      lastUpdate = Date.now();
    },
    onSnapshot: function (message) {
      const desk = (message.desks || []).find(function (d) {
        return String(d.number) === data.desk;
      });
      if (desk) draw(desk);
    },
    onMessage: function (message) {
      if (message.type === "desk" && message.desk && String(message.desk.number) === data.desk) {
        draw(message.desk);
      } else if (message.type === "call" && String(message.desk) === data.desk) {
        field("number").textContent = message.number;
        flash();
        if (live) live.ack(message.id);
      }
    },
    onStatus: function (isOnline) {
      online = isOnline;
      field("offline").hidden = online;
      tick();
    },
  });
  setInterval(tick, 1000);
})();
