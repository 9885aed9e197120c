// 长辈模式 (elder mode): larger text, more line spacing, one column, bigger targets.
// Loaded in <head> so the class is on <html> before the first paint (no flash of small
// text). A phone remembers the choice (localStorage); a kiosk keeps it for one visit
// only (sessionStorage, cleared when the kiosk returns to its start), so the next
// citizen meets the hall's default. A page includes _elder_head.html (this script and
// elder.css) in its <head> and _elder_toggle.html (the switch) on its first screen.
(function () {
  "use strict";

  const KEY = "counter.elder";
  const script = document.currentScript;
  const kiosk = Boolean(script && script.dataset.storage === "session");
  const root = document.documentElement;

  function store() {
    try {
      return kiosk ? window.sessionStorage : window.localStorage;
    } catch (err) {
      return null; // storage blocked: the mode lasts as long as the page
    }
  }

  function saved() {
    const s = store();
    try {
      return Boolean(s && s.getItem(KEY) === "on");
    } catch (err) {
      return false;
    }
  }

  function paint(on) {
    root.classList.toggle("elder", on);
    document.querySelectorAll("[data-elder-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function set(on) {
    const s = store();
    try {
      if (s) {
        if (on) s.setItem(KEY, "on");
        else s.removeItem(KEY);
      }
    } catch (err) {
      // private mode: nothing to remember
    }
    paint(on);
    document.dispatchEvent(new CustomEvent("counter:elder", { detail: { on: on } }));
  }

  paint(saved());

  document.addEventListener("DOMContentLoaded", function () {
    paint(root.classList.contains("elder"));
    document.addEventListener("click", function (event) {
      const button = event.target.closest("[data-elder-toggle]");
      if (button) set(!root.classList.contains("elder"));
    });
  });

  window.CounterElder = {
    isOn: function () { return root.classList.contains("elder"); },
    set: set,
  };
})();
