// Counter's one WebSocket client for live pages (display, phone, desk, kiosk).
// It reconnects by itself with exponential backoff and jitter, takes every
// snapshot as the truth, ignores display messages older than what it has, and
// asks for a new snapshot when it sees a gap in the site's version.
(function () {
  "use strict";

  const MAX_DELAY_MS = 30000;

  function connect(options) {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + options.path;
    let socket = null;
    let attempt = 0;
    let version = null;
    let stopped = false;
    let retryTimer = null;

    function status(online) {
      if (options.onStatus) options.onStatus(online);
    }

    function send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    }

    function handle(message) {
      if (message.type === "snapshot") {
        version = typeof message.version === "number" ? message.version : null;
        if (options.onSnapshot) options.onSnapshot(message);
        return;
      }
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

    function open() {
      socket = new WebSocket(url);
      socket.addEventListener("open", function () {
        attempt = 0;
        if (options.firstMessage) send(options.firstMessage);
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
      socket.addEventListener("close", function () {
        status(false);
        if (stopped) return;
        // Exponential backoff with jitter, so a hall's screens don't all come back at once.
        const delay = Math.min(MAX_DELAY_MS, 500 * Math.pow(2, attempt)) * (0.5 + Math.random());
        attempt += 1;
        retryTimer = setTimeout(open, delay);
      });
    }

    open();
    return {
      send: send,
      close: function () {
        stopped = true;
        clearTimeout(retryTimer);
        if (socket) socket.close();
      },
    };
  }

  window.CounterLive = { connect: connect };
})();
