// The desk page: the appointment badge of the ticket in hand, kept current from the desk's state
// (the desk script announces every state it renders with a "desk:state" event).
(function () {
  "use strict";

  const root = document.getElementById("desk-app");
  const badge = document.getElementById("ticket-appointment");
  if (!root || !badge) return;
  const zone = badge.dataset.timeZone;

  function time(iso) {
    try {
      return new Intl.DateTimeFormat("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone || undefined }).format(new Date(iso));
    } catch (err) {
      return "";
    }
  }

  root.addEventListener("desk:state", function (event) {
    const ticket = event.detail && event.detail.ticket;
    badge.hidden = !(ticket && ticket.appointment);
    if (ticket && ticket.appointment) {
      badge.textContent = badge.dataset.label + (ticket.appointment_start ? " " + time(ticket.appointment_start) : "");
    }
  });
})();
