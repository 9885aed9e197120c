"use strict";
// The route sheet prints from its own button (no inline script: the CSP forbids it).
document.getElementById("rs-print")?.addEventListener("click", () => window.print());
