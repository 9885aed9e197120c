// Counter's one WebSocket client for live pages (display, phone, desk, kiosk).
// It reconnects by itself with exponential backoff and jitter, takes every
// snapshot as the truth, ignores display messages that the snapshot or an earlier
// frame already holds (a write that commits while the socket joins is in both), and
// asks for a new snapshot when it sees a gap in the site's version. A screen
// (options.screen) reports its health with a heartbeat; a refusal of the
// credentials (close code 4401/4403) stops the retries for good.
(function () {
  "use strict";

  // Reconnect backoff: a random wait in a window that doubles per failed attempt ("full
  // jitter"), so a hall's screens spread their reconnects over the window instead of all
  // coming back at once. The window stays at most SHORT_OUTAGE_MAX_MS through the first
  // minute of an outage, so after a restart every screen is back within a few seconds
  // of the server; a longer outage backs off to MAX_DELAY_MS.
  const MIN_DELAY_MS = 250;
  const FIRST_WINDOW_MS = 1000;
  const SHORT_OUTAGE_MS = 60000;
  const SHORT_OUTAGE_MAX_MS = 5000;
  const MAX_DELAY_MS = 30000;
  const HEARTBEAT_MS = 15000;
  const REFUSED = [4401, 4403];
  const NAME_MAX = 40;

  // The name the site gives a screen: ?screen=… once, remembered by the browser;
  // until then a made-up one ("display-3f2a", "desk-3-9c01").
  function screenName(kind, prefix) {
    const key = "counter.screen." + (prefix || kind);
    let name = null;
    try {
      name = new URLSearchParams(location.search).get("screen");
    } catch (err) {
      name = null;
    }
    let stored = null;
    try {
      stored = localStorage.getItem(key);
    } catch (err) {
      stored = null;
    }
    name = (name || stored || "").trim().slice(0, NAME_MAX);
    if (!name) name = (prefix || kind.replace("_", "-")) + "-" + Math.random().toString(16).slice(2, 6);
    try {
      localStorage.setItem(key, name);
    } catch (err) {
      // Private mode: the name lasts as long as the page.
    }
    return name;
  }

  // The kiosk page does not pass `screen` itself: it is recognised by its body class.
  function screenOf(options) {
    if (options.screen) return options.screen;
    if (document.body && document.body.classList.contains("kiosk") && /\/display\/$/.test(options.path)) {
      return { kind: "kiosk" };
    }
    return null;
  }

  // One display frame per write: a `call` or an `update` carrying the write's desks
  // and waiting counts. Pages get them as the separate messages they draw.
  function parts(message) {
    const list = [];
    if (message.type === "call") list.push(message);
    if (message.type === "call" || message.type === "update") {
      (Array.isArray(message.desks) ? message.desks : []).forEach(function (desk) {
        list.push({ type: "desk", version: message.version, desk: desk });
      });
      if (Array.isArray(message.waiting)) list.push({ type: "queue", version: message.version, waiting: message.waiting });
      return list;
    }
    return [message];
  }

  function retryDelay(attempt, outageMs) {
    const cap = outageMs < SHORT_OUTAGE_MS ? SHORT_OUTAGE_MAX_MS : MAX_DELAY_MS;
    const windowMs = Math.min(cap, FIRST_WINDOW_MS * Math.pow(2, attempt));
    return MIN_DELAY_MS + Math.random() * windowMs;
  }

  function connect(options) {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + options.path;
    const screen = screenOf(options);
    if (screen && !screen.name) screen.name = screenName(screen.kind, screen.prefix);
    let socket = null;
    let attempt = 0;
    let lostAt = 0;
    let version = null;
    // The version of the last snapshot: every write up to it is in it. A frame of that
    // version (sent for a write that committed as the socket joined) is a repeat: drawn
    // and announced again, the hall would hear the same call twice.
    let baseline = null;
    let stopped = false;
    let retryTimer = null;
    let heartbeatTimer = null;
    // The share of calls this screen acknowledges, as the server's last heartbeat.ok said: in a
    // hall of many screens each acknowledges a random sample, enough to time the calls.
    let ackRate = 1;

    function status(online) {
      if (options.onStatus) options.onStatus(online);
    }

    function send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    }

    function heartbeat() {
      if (!screen) return;
      const sound = typeof screen.sound === "function" ? screen.sound() : null;
      send({ type: "heartbeat", screen: screen.name, kind: screen.kind, sound: typeof sound === "boolean" ? sound : null });
    }

    function deliver(message) {
      if (typeof message.version === "number" && version !== null) {
        if (message.version < version) return; // already seen
        if (message.version > version + 1) {
          send({ type: "snapshot.request" }); // missed one: the snapshot puts us right
          return;
        }
        version = message.version;
      }
      if (options.onMessage) options.onMessage(message);
    }

    function handle(message) {
      if (options.onActivity) options.onActivity();
      if (message.type === "heartbeat.ok") {
        if (typeof message.ack_rate === "number") ackRate = Math.min(1, Math.max(0, message.ack_rate));
        return;
      }
      if (message.type === "snapshot") {
        version = typeof message.version === "number" ? message.version : null;
        baseline = version;
        if (options.onSnapshot) options.onSnapshot(message);
        return;
      }
      if (typeof message.version === "number" && baseline !== null && message.version <= baseline) return;
      if (typeof message.version === "number" && version !== null && message.version > version + 1) {
        send({ type: "snapshot.request" });
        return;
      }
      parts(message).forEach(deliver);
    }

    function open() {
      socket = new WebSocket(url);
      socket.addEventListener("open", function () {
        attempt = 0;
        if (options.firstMessage) send(options.firstMessage);
        heartbeat();
        clearInterval(heartbeatTimer);
        heartbeatTimer = setInterval(heartbeat, HEARTBEAT_MS);
        status(true);
      });
      socket.addEventListener("message", function (event) {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch (err) {
          return;
        }
        if (message && typeof message === "object") handle(message);
      });
      socket.addEventListener("close", function (event) {
        clearInterval(heartbeatTimer);
        status(false);
        if (stopped) return;
        if (REFUSED.indexOf(event.code) !== -1) {
          // Signed out or not allowed: retrying would be refused forever.
          stopped = true;
          if (options.onRefused) options.onRefused(event.code);
          return;
        }
        if (attempt === 0) lostAt = Date.now();
        retryTimer = setTimeout(open, retryDelay(attempt, Date.now() - lostAt));
        attempt += 1;
      });
    }

    open();
    return {
      send: send,
      screen: screen,
      // A display acknowledges a call once it has drawn it (the server times the round trip).
      ack: function (id) {
        if (typeof id === "number" && Math.random() < ackRate) send({ type: "ack", id: id });
      },
      heartbeat: heartbeat,
      close: function () {
        stopped = true;
        clearTimeout(retryTimer);
        clearInterval(heartbeatTimer);
        if (socket) socket.close();
      },
    };
  }

  window.CounterLive = { connect: connect };
})();
