// Counter's small shared client for the JSON API v1: one place for headers,
// the CSRF token, idempotency keys and the {"error": {code, message}} shape.
(function () {
  "use strict";

  function cookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  class ApiError extends Error {
    constructor(status, code, message, body) {
      super(message);
      this.status = status; // 0 when the network is down
      this.code = code;
      this.body = body || {};
    }
  }

  async function request(method, url, body, options) {
    const headers = { Accept: "application/json" };
    const opts = options || {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") {
      const csrf = cookie("csrftoken");
      if (csrf) headers["X-CSRFToken"] = csrf;
    }
    if (opts.idempotencyKey) headers["Idempotency-Key"] = opts.idempotencyKey;
    let response;
    try {
      response = await fetch(url, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        signal: opts.timeoutMs && AbortSignal.timeout ? AbortSignal.timeout(opts.timeoutMs) : undefined,
      });
    } catch (err) {
      throw new ApiError(0, "network", opts.networkMessage || "network", null);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(response.status, error.code || "error", error.message || response.statusText, error);
    }
    return data;
  }

  window.CounterApi = {
    ApiError: ApiError,
    newKey: newKey,
    get: function (url, options) { return request("GET", url, undefined, options); },
    post: function (url, body, options) { return request("POST", url, body === undefined ? {} : body, options); },
  };
})();
