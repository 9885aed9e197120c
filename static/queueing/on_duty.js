// The officer on duty at a window (警务公开), as the lobby and desk displays show it:
// photo, display name (where the site makes names public) and police number.
(function () {
  "use strict";

  function node(card, policeLabel, className) {
    const wrap = document.createElement("span");
    wrap.className = "on-duty " + (className || "");
    wrap.dataset.onDuty = "";
    if (card.photo) {
      const img = document.createElement("img");
      img.className = "on-duty-photo";
      img.src = card.photo;
      img.alt = "";
      wrap.append(img);
    }
    if (card.name) {
      const name = document.createElement("span");
      name.className = "on-duty-name";
      name.textContent = card.name;
      wrap.append(name);
    }
    if (card.police_number) {
      const number = document.createElement("span");
      number.className = "on-duty-number";
      number.textContent = (policeLabel || "%(number)s").replace("%(number)s", card.police_number);
      wrap.append(number);
    }
    return wrap;
  }

  window.CounterOnDuty = { node: node };
})();
