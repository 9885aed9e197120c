// The screen above one window: its current number, from the site's display socket.
(function () {
  "use strict";

  const root = document.getElementById("desk-display");
  if (!root) return;
  const data = root.dataset;
  const field = function (name) {
    return root.querySelector('[data-field="' + name + '"]');
  };

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
    if (changed) flash();
  }

  window.CounterLive.connect({
    path: data.socket,
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
      }
    },
    onStatus: function (online) {
      field("offline").hidden = online;
    },
  });
})();
