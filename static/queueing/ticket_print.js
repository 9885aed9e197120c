// The printed ticket prints itself when the kiosk loads it with ?autoprint=1,
// once its fonts are in (a slip printed before that shows empty boxes).
(function () {
  "use strict";

  const slip = document.getElementById("slip");
  if (!slip || slip.dataset.autoprint !== "1") return;
  function printOnce() {
    const ready = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
    ready.then(function () { window.print(); });
  }
  if (document.readyState === "complete") printOnce();
  else window.addEventListener("load", printOnce, { once: true });
})();
