"use strict";
// The kiosk's code box for a document pickup or a home visit's "come to the window": a priority number.
(() => {
  const box = document.getElementById("outreach-kiosk");
  const form = document.getElementById("outreach-code-form");
  const out = document.getElementById("outreach-code-result");
  if (!box || !form || !out) return;
  const input = form.elements.namedItem("code");
  // The kiosk has no keyboard: an on-screen keypad of the characters a code can have.
  form.querySelectorAll("[data-or-key]").forEach((key) => {
    key.addEventListener("click", () => {
      if (key.dataset.orKey === "back") input.value = input.value.slice(0, -1);
      else if (input.value.length < 9) input.value += key.dataset.orKey;
    });
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value.trim();
    if (!code) return;
    out.textContent = "…";
    try {
      const response = await fetch(box.dataset.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept-Language": document.documentElement.lang },
        body: JSON.stringify({ code }),
        credentials: "omit",
      });
      const body = await response.json();
      if (response.status === 201) {
        out.dataset.number = body.number;
        out.textContent = body.number;
        const link = document.createElement("a");
        link.href = body.url;
        link.textContent = " ↗";
        out.append(link);
        form.reset();
      } else {
        out.textContent = body.error ? body.error.message : String(response.status);
      }
    } catch (_error) {
      out.textContent = "⚠";
    }
  });
})();
