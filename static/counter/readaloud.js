// 读给我听: a speaker button reads a part of the page aloud through the page's one
// speech queue (CounterSpeech.say in queueing/speech.js): in order, never two
// readings at once, and a second tap stops it. What is read: each visible
// [data-read] element inside the button's target (data-read-target, a selector;
// the first visible match), or the target's whole text; text in another language
// than the page's (lang="en" on a Chinese page), aria-hidden or [data-read-skip]
// parts are left out. A page can also read its own phrases: CounterReadAloud.read([...]).
(function () {
  "use strict";

  function pageLang() {
    return (document.documentElement.lang || "zh").toLowerCase().startsWith("en") ? "en-US" : "zh-CN";
  }

  function visible(el) {
    if (el.hidden || el.closest("[hidden]")) return false;
    return el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null;
  }

  function sameLanguage(el) {
    const lang = el.getAttribute("lang");
    if (!lang) return true;
    return lang.toLowerCase().slice(0, 2) === pageLang().slice(0, 2);
  }

  function textOf(node) {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    if (node.nodeType !== Node.ELEMENT_NODE) return "";
    const el = node;
    if (el.hidden || el.getAttribute("aria-hidden") === "true" || el.hasAttribute("data-read-skip")) return "";
    if (["SCRIPT", "STYLE", "TEMPLATE", "SVG", "svg", "IFRAME", "DIALOG"].indexOf(el.tagName) !== -1) return "";
    if (!sameLanguage(el) || (el.checkVisibility && !el.checkVisibility())) return "";
    let text = "";
    el.childNodes.forEach(function (child) {
      text += textOf(child);
    });
    // Block-level parts are separate clauses when spoken.
    const display = getComputedStyle(el).display;
    return display === "inline" ? text : " " + text + "，";
  }

  function clean(text) {
    return text
      .replace(/\s+/g, " ")
      .replace(/\s*，[\s，]*/g, "，")
      .replace(/^[\s，]+|[\s，]+$/g, "")
      .trim();
  }

  function phrasesOf(target) {
    const lang = pageLang();
    const parts = Array.from(target.querySelectorAll("[data-read]")).filter(visible);
    const sources = parts.length ? parts : [target];
    return sources
      .map(function (el) {
        let text = clean(textOf(el));
        if (lang === "en-US") text = text.replace(/，/g, ",");
        return { text: text, lang: lang };
      })
      .filter(function (p) { return p.text; });
  }

  function targetOf(button) {
    const selector = button.dataset.readTarget;
    if (!selector) return button.closest("main") || document.body;
    return Array.from(document.querySelectorAll(selector)).find(visible) || null;
  }

  function paint(on) {
    document.querySelectorAll("[data-read-aloud]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function read(phrases) {
    if (!window.CounterSpeech) return Promise.resolve();
    return window.CounterSpeech.say(phrases, 0.85);
  }

  function toggle(button) {
    if (!window.CounterSpeech) return;
    if (window.CounterSpeech.isSpeaking()) {
      window.CounterSpeech.stop();
      return;
    }
    // A page may compose the phrases itself (the kiosk's screens), else they come from the target.
    const custom = button.dataset.readAloud && window.CounterReadAloud.sources[button.dataset.readAloud];
    const target = targetOf(button);
    const phrases = custom ? custom(target) : target ? phrasesOf(target) : [];
    read(phrases);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.CounterSpeech) window.CounterSpeech.onChange(paint);
    document.addEventListener("click", function (event) {
      const button = event.target.closest("[data-read-aloud]");
      if (button) toggle(button);
    });
  });
  // Leaving the page, or it being hidden, ends the reading.
  window.addEventListener("pagehide", function () {
    if (window.CounterSpeech) window.CounterSpeech.stop();
  });

  window.CounterReadAloud = {
    sources: {},
    phrasesOf: phrasesOf,
    lang: pageLang,
    read: read,
    stop: function () {
      if (window.CounterSpeech) window.CounterSpeech.stop();
    },
  };
})();
