// The lobby display: the latest call very large, the desks, the last calls and
// the waiting counts, all drawn from the display socket. A new call flashes,
// chimes and is spoken; calls that arrive together are announced in order.
// The screen reports its health (heartbeat with its name and whether its sound
// is on), acknowledges each call once drawn, and shows how fresh it is.
(function () {
  "use strict";

  const RECENT = 8;
  const SOUND_KEY = "counter.display.sound";
  const CHIME_MAX_MS = 1500;

  const root = document.getElementById("display");
  if (!root) return;
  const data = root.dataset;
  const field = function (name) {
    return root.querySelector('[data-field="' + name + '"]');
  };
  const soundButton = root.querySelector('[data-action="enable-sound"]');
  const chime = field("chime");

  const state = { desks: new Map(), recent: [], waiting: [], lastAt: null, snapshots: 0, serviceDay: null };
  let lastUpdate = null;
  let soundOn = false;
  let online = false;
  let live = null;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function deskLabel(number, name) {
    return data.deskTemplate ? fill(data.deskTemplate, { number: number }) : name || number;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // Restart a CSS animation even when the class is already there.
  function flash(node) {
    node.classList.remove("is-new");
    void node.offsetWidth;
    node.classList.add("is-new");
  }

  function time(call) {
    const t = Date.parse(call.at);
    return isNaN(t) ? 0 : t;
  }

  // --- Drawing -----------------------------------------------------------------

  function drawCall(call, isNew) {
    const line = field("call");
    if (!call) {
      line.hidden = true;
      field("call-idle").hidden = false;
      return;
    }
    field("call-number").textContent = call.number;
    field("call-desk").textContent = deskLabel(call.desk, call.desk_name);
    line.hidden = false;
    field("call-idle").hidden = true;
    if (isNew) flash(line);
  }

  function drawRecent(isNew) {
    const list = field("recent");
    list.replaceChildren();
    state.recent.forEach(function (call, index) {
      const item = el("li", "lobby-recent-item");
      item.append(
        el("span", "lobby-recent-number", call.number),
        el("span", "lobby-recent-arrow", "→"),
        el("span", "lobby-recent-desk", deskLabel(call.desk, call.desk_name))
      );
      if (call.recall) item.classList.add("is-recall");
      if (isNew && index === 0) item.classList.add("is-new");
      list.append(item);
    });
  }

  function drawDesks() {
    const list = field("desks");
    list.replaceChildren();
    const desks = Array.from(state.desks.values())
      .filter(function (desk) {
        return desk.state === "open" || desk.state === "paused";
      })
      .sort(function (a, b) {
        return Number(a.number) - Number(b.number);
      });
    desks.forEach(function (desk) {
      const item = el("li", "lobby-desk");
      item.dataset.desk = desk.number;
      const active = desk.ticket && (desk.ticket_status === "called" || desk.ticket_status === "serving");
      item.append(el("span", "lobby-desk-name", deskLabel(desk.number, desk.name)));
      if (desk.on_duty && window.CounterOnDuty) item.append(window.CounterOnDuty.node(desk.on_duty, data.policeNumber));
      if (desk.state === "paused") {
        item.classList.add("is-paused");
        item.append(el("span", "lobby-desk-ticket lobby-desk-paused", data.paused));
      } else {
        item.append(el("span", "lobby-desk-ticket", active ? desk.ticket : "—"));
      }
      if (active && desk.ticket_status === "called") item.classList.add("is-called");
      list.append(item);
    });
  }

  function drawWaiting() {
    const list = field("waiting");
    list.replaceChildren();
    state.waiting.forEach(function (row) {
      const item = el("li", "lobby-wait");
      const name = el("span", "lobby-wait-name");
      name.append(el("b", "lobby-wait-prefix", row.business_type), document.createTextNode(" " + row.name));
      const count = el("span", "lobby-wait-count", String(row.waiting));
      item.append(name, count);
      if (row.waiting > 0 && typeof row.estimated_wait_minutes === "number" && row.open_desks > 0) {
        item.append(el("span", "lobby-wait-eta", fill(data.waitTemplate, { minutes: row.estimated_wait_minutes })));
      }
      list.append(item);
    });
  }

  // --- Sound -------------------------------------------------------------------

  const pending = [];
  let announcing = false;

  function playChime() {
    return new Promise(function (resolve) {
      if (!chime) return resolve();
      let done = false;
      const finish = function () {
        if (done) return;
        done = true;
        clearTimeout(timer);
        chime.removeEventListener("ended", finish);
        resolve();
      };
      const timer = setTimeout(finish, CHIME_MAX_MS);
      chime.addEventListener("ended", finish);
      try {
        chime.currentTime = 0;
        const played = chime.play();
        if (played && played.catch) {
          played.catch(function (err) {
            // The browser forgot the permission (a restart): ask the hall again.
            if (err && err.name === "NotAllowedError") showSoundButton();
            finish();
          });
        }
      } catch (err) {
        finish();
      }
    });
  }

  function speak(phrase) {
    return window.CounterSpeech.speak(phrase);
  }

  function nextAnnouncement() {
    const call = pending.shift();
    if (!call) {
      announcing = false;
      return;
    }
    announcing = true;
    const phrases = window.CounterSpeech.phrases(call, data.speechLanguages);
    playChime()
      .then(function () {
        return phrases.reduce(function (chain, phrase) {
          return chain.then(function () {
            return speak(phrase);
          });
        }, Promise.resolve());
      })
      .then(nextAnnouncement, nextAnnouncement);
  }

  function announce(call) {
    if (!soundOn) return;
    pending.push(call);
    if (!announcing) nextAnnouncement();
  }

  function showSoundButton() {
    const changed = soundOn;
    soundOn = false;
    if (soundButton) soundButton.hidden = false;
    if (changed && live) live.heartbeat(); // the desks see at once that the hall hears nothing
  }

  function enableSound() {
    soundOn = true;
    try {
      localStorage.setItem(SOUND_KEY, "on");
    } catch (err) {
      // Private mode: sound stays on for this page's life.
    }
    soundButton.hidden = true;
    playChime();
    if (live) live.heartbeat();
  }

  // --- Messages ----------------------------------------------------------------

  function touched() {
    lastUpdate = Date.now();
    tick();
  }

  // The notice line along the bottom; it scrolls by CSS alone.
  function drawNotice(message) {
    const english = data.locale && data.locale.slice(0, 2) === "en";
    const text = ((english && message.display_message_en) || message.display_message || "").trim();
    const bar = field("notice");
    const textNode = field("notice-text");
    if (textNode.textContent !== text) textNode.textContent = text;
    bar.hidden = !text;
  }

  function onSnapshot(message) {
    const previousLast = state.lastAt;
    const reconnected = state.snapshots > 0;
    state.snapshots += 1;
    state.desks = new Map(
      (message.desks || []).map(function (desk) {
        return [desk.number, desk];
      })
    );
    state.recent = (message.recent_calls || []).slice(0, RECENT);
    state.waiting = message.waiting || [];
    state.serviceDay = message.service_day || null;
    const newest = state.recent[0] || null;
    state.lastAt = newest ? time(newest) : previousLast;
    // Calls made while the screen was away (a restart, a missed message) are
    // still announced, oldest first; on the first load the hall has heard them.
    const missed = reconnected
      ? state.recent
          .filter(function (call) {
            return previousLast === null || time(call) > previousLast;
          })
          .reverse()
      : [];
    drawCall(newest, missed.length > 0);
    drawRecent(missed.length > 0);
    drawDesks();
    drawWaiting();
    if ("display_message" in message) drawNotice(message);
    missed.forEach(announce);
    touched();
  }

  function onMessage(message) {
    if (message.type === "call") {
      // A snapshot reads the site's version before its calls, so a call committed meanwhile is
      // in the snapshot and again in the frame that follows it: drawn and announced once.
      const known = state.recent.some(function (call) {
        return call.number === message.number && String(call.desk) === String(message.desk) && time(call) === time(message);
      });
      if (known) {
        if (live) live.ack(message.id);
        return;
      }
      state.recent.unshift(message);
      state.recent.length = Math.min(state.recent.length, RECENT);
      state.lastAt = Math.max(state.lastAt || 0, time(message));
      drawCall(message, true);
      drawRecent(true);
      if (live) live.ack(message.id); // drawn: the server times call → screen
      announce(message);
    } else if (message.type === "notice") {
      drawNotice(message);
    } else if (message.type === "desk" && message.desk) {
      state.desks.set(message.desk.number, message.desk);
      drawDesks();
    } else if (message.type === "queue") {
      state.waiting = message.waiting || [];
      drawWaiting();
    } else {
      return;
    }
    touched();
  }

  function onStatus(isOnline) {
    online = isOnline;
    field("offline").hidden = online;
    root.classList.toggle("is-offline", !online);
    tick();
  }

  // --- Clock ---------------------------------------------------------------------

  function formatter(options) {
    try {
      return new Intl.DateTimeFormat(data.locale, Object.assign({ timeZone: data.timeZone }, options));
    } catch (err) {
      return new Intl.DateTimeFormat(data.locale, options);
    }
  }
  const dateFormat = formatter({ year: "numeric", month: "long", day: "numeric", weekday: "long" });
  const timeFormat = formatter({ hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  // The site's local date as the API writes a service day (YYYY-MM-DD).
  let dayFormat = null;
  try {
    dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: data.timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  } catch (err) {
    dayFormat = null;
  }
  let dayAsked = null;

  // Left on overnight: at the site's midnight the day's queue starts empty, even
  // before anyone issues or calls (the snapshot leaves yesterday's calls out).
  function checkDay(now) {
    if (!dayFormat || !state.serviceDay || !live || !online) return;
    const today = dayFormat.format(now);
    if (today > state.serviceDay && dayAsked !== today) {
      dayAsked = today;
      live.send({ type: "snapshot.request" });
    }
  }

  function tick() {
    const now = new Date();
    field("date").textContent = dateFormat.format(now);
    field("time").textContent = timeFormat.format(now);
    const updated = field("updated");
    if (lastUpdate === null) {
      updated.textContent = "";
    } else {
      const seconds = Math.max(0, Math.floor((Date.now() - lastUpdate) / 1000));
      updated.textContent = fill(data.updatedTemplate, { seconds: seconds });
    }
    updated.classList.toggle("is-stale", !online);
    checkDay(now);
  }

  // --- Start ---------------------------------------------------------------------

  let remembered = null;
  try {
    remembered = localStorage.getItem(SOUND_KEY);
  } catch (err) {
    remembered = null;
  }
  if (remembered === "on") {
    soundOn = true;
  } else {
    showSoundButton();
  }
  if (soundButton) soundButton.addEventListener("click", enableSound);

  tick();
  setInterval(tick, 1000);
  live = window.CounterLive.connect({
    path: data.socket,
    screen: {
      kind: "display",
      sound: function () {
        return soundOn;
      },
    },
    onSnapshot: onSnapshot,
    onMessage: onMessage,
    onStatus: onStatus,
    onActivity: function () {
      lastUpdate = Date.now(); // heard from the server: what is shown is current
    },
  });
})();
