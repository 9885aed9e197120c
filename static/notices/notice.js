// Checklist and notice pages: the print buttons, and the notice printing
// itself when the desk opens it with ?autoprint=1 (once its fonts are in:
// a sheet printed before that shows empty boxes).
(function () {
  "use strict";

  const notice = document.getElementById("notice");
  const PX_PER_MM = 96 / 25.4;

  // An 80 mm slip is as long as what is on it, so the thermal printer cuts
  // right below it: one page, no metre of blank paper. (CSSOM, so a strict CSP allows it.)
  function fitSlip() {
    if (!notice || notice.dataset.layout !== "80mm") return;
    const link = document.querySelector('link[href*="notices/notice.css"]');
    const sheet = link && link.sheet;
    if (!sheet) return;
    const actions = notice.querySelector(".notice-actions");
    const px = notice.getBoundingClientRect().height - (actions ? actions.getBoundingClientRect().height : 0);
    const mm = Math.ceil(px / PX_PER_MM) + 12; // the print padding and a margin for the cutter
    sheet.insertRule("@page receipt { size: 80mm " + mm + "mm; margin: 0; }", sheet.cssRules.length);
    notice.dataset.slipMm = String(mm);
  }

  function whenReady(then) {
    const fonts = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
    function go() { fonts.then(then); }
    if (document.readyState === "complete") go();
    else window.addEventListener("load", go, { once: true });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  whenReady(function () {
    fitSlip();
    if (notice && notice.dataset.autoprint === "1") window.print();
  });
})();
