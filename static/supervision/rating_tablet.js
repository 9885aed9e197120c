// The rating tablet at a desk (评价器): idle until its socket brings the just-completed
// ticket's handle, then the rating form; back to idle after a rating or a minute untouched.
(function () {
  "use strict";

  const THANKS_MS = 6000;
  const screen = document.getElementById("tablet");
  const idleSeconds = Number(screen.dataset.idleSeconds) || 60;
  const root = screen.querySelector("[data-rating-form]");
  const idleView = screen.querySelector("[data-show=idle]");
  const offline = document.getElementById("tablet-offline");
  const form = root.counterRating || window.CounterRating.mount(root);
  root.counterRating = form;
  let timer = null;
  let handle = null;

  function setState(state) {
    screen.dataset.state = state;
    idleView.hidden = state !== "idle";
  }

  function idle() {
    clearTimeout(timer);
    handle = null;
    form.close();
    setState("idle");
    if (window.CounterElder) window.CounterElder.set(false); // the next citizen starts in the default mode
  }

  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(idle, ms);
  }

  function request(message) {
    if (!message.handle || message.handle === handle) return;
    handle = message.handle;
    form.open("/api/v1/ratings/" + encodeURIComponent(message.handle) + "/", message.number);
    const servedBy = root.querySelector("[data-rating-officer]");
    if (servedBy) {
      servedBy.textContent = message.served_by || "";
      servedBy.hidden = !message.served_by;
    }
    setState("rating");
    later(Math.min(idleSeconds, message.seconds || idleSeconds) * 1000);
  }

  // A citizen still choosing keeps the form: each touch gives another minute.
  root.addEventListener("input", function () {
    if (screen.dataset.state === "rating") later(idleSeconds * 1000);
  });
  root.addEventListener("rating:done", function () {
    handle = null;
    setState("thanks");
    later(THANKS_MS);
  });

  window.CounterLive.connect({
    path: screen.dataset.socketPath,
    onSnapshot: function (message) {
      if (message.state === "pending") request(message);
    },
    onMessage: function (message) {
      if (message.type === "rating.request") request(message);
    },
    onStatus: function (online) {
      offline.hidden = online;
    },
  });
  setState("idle");
})();
