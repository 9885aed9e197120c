// The rating form (好差评) of `{% rating_form %}`: self-contained, for the phone page and the tablet.
// With data-url (the phone page) it asks whether the ticket can be rated, and asks again
// when the page's #ticket turns "done"; the tablet opens it with a handle's URL instead.
(function () {
  "use strict";

  const CRITERIA = ["overall", "efficiency", "skill", "attitude"];

  function cookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  function mount(root) {
    const form = root.querySelector("form");
    const bad = root.querySelector("[data-rating-bad]");
    const error = root.querySelector("[data-rating-error]");
    const thanks = root.querySelector("[data-rating-thanks]");
    const followUp = root.querySelector("[data-rating-followup]");
    const number = root.querySelector("[data-rating-number]");
    const submit = form.querySelector("button[type=submit]");
    let url = root.dataset.url || null;

    function fail(message) {
      error.textContent = message;
      error.hidden = false;
    }

    function done(answer) {
      form.hidden = true;
      error.hidden = true;
      thanks.hidden = false;
      followUp.hidden = !(answer && answer.follow_up);
      root.hidden = false;
      root.dispatchEvent(new CustomEvent("rating:done", { bubbles: true, detail: answer || {} }));
    }

    form.addEventListener("change", function (event) {
      if (event.target.name === "overall") bad.hidden = Number(event.target.value) > 2;
    });

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const data = new FormData(form);
      if (!data.get("overall")) {
        fail(root.dataset.requiredMessage);
        return;
      }
      const body = {};
      CRITERIA.forEach(function (name) {
        body[name] = data.get(name) ? Number(data.get(name)) : null;
      });
      body.reason = body.overall <= 2 ? data.get("reason") || "" : "";
      body.comment = data.get("comment") || "";
      // Sent as digits alone (the API's pattern); "138-0013 8000" is what people type.
      body.phone = String(data.get("phone") || "").replace(/[\s\-()（）]/g, "");
      const headers = { "Content-Type": "application/json", Accept: "application/json" };
      const csrf = cookie("csrftoken");
      if (csrf) headers["X-CSRFToken"] = csrf;
      submit.disabled = true;
      error.hidden = true;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: headers,
          body: JSON.stringify(body),
          credentials: "same-origin",
        });
        let answer = null;
        try {
          answer = await response.json();
        } catch (err) {
          answer = null;
        }
        if (response.ok) {
          done(answer);
        } else if (answer && answer.error && answer.error.code === "already_rated") {
          done(null);
        } else if (answer && answer.error && (answer.error.details || []).some(function (d) { return d.field === "phone"; })) {
          fail(root.dataset.phoneMessage);
        } else {
          fail((answer && answer.error && answer.error.message) || response.statusText);
        }
      } catch (err) {
        fail(root.dataset.networkMessage);
      } finally {
        submit.disabled = false;
      }
    });

    return {
      open: function (newUrl, ticketNumber) {
        url = newUrl;
        form.reset();
        form.hidden = false;
        bad.hidden = true;
        error.hidden = true;
        thanks.hidden = true;
        number.textContent = ticketNumber || "";
        root.hidden = false;
      },
      close: function () {
        root.hidden = true;
      },
      done: done,
    };
  }

  function followTicket(root, controller) {
    const url = root.dataset.url;
    let asked = false;

    async function check() {
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) return;
        const answer = await response.json();
        if (answer.can_rate) {
          if (root.hidden) controller.open(url, answer.number);
        } else if (answer.rated && !asked) {
          controller.done({ follow_up: false });
        }
        asked = true;
      } catch (err) {
        // Offline: the next status change asks again.
      }
    }

    check();
    const ticket = document.getElementById("ticket");
    if (ticket && window.MutationObserver) {
      new MutationObserver(function () {
        if (ticket.dataset.status === "done" && root.hidden) check();
      }).observe(ticket, { attributes: true, attributeFilter: ["data-status"] });
    }
  }

  window.CounterRating = { mount: mount };
  document.querySelectorAll("[data-rating-form]").forEach(function (root) {
    if (root.counterRating) return;
    root.counterRating = mount(root);
    if (root.dataset.url) followTicket(root, root.counterRating);
  });
})();
