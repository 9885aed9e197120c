// Speech for Counter's pages: the spoken announcement of a call (one phrase per
// language; fixed announcements, not UI strings: the hall hears the same words
// whatever language the screen is set to), `speak` for one phrase through the
// browser's speech synthesis, and one queue per page that reads phrases in order,
// never two at once, and can be stopped (read-aloud on the kiosk and phones).
(function () {
  "use strict";

  const PHRASES = {
    "zh-CN": function (number, desk) {
      return "请 " + number + " 号到 " + desk + " 号窗口办理";
    },
    "en-US": function (number, desk) {
      return "Number " + number + ", please go to desk " + desk + ".";
    },
  };

  function phrases(call, languages) {
    const list = typeof languages === "string" ? languages.split(/\s+/) : languages || ["zh-CN"];
    const number = String(call.number);
    const desk = String(call.desk);
    return list
      .filter(function (lang) {
        return Object.prototype.hasOwnProperty.call(PHRASES, lang);
      })
      .map(function (lang) {
        return { text: PHRASES[lang](number, desk), lang: lang };
      });
  }

  // One phrase; resolves when it has been said (or could not be).
  function speak(phrase, rate) {
    return new Promise(function (resolve) {
      if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) return resolve();
      const utterance = new SpeechSynthesisUtterance(phrase.text);
      utterance.lang = phrase.lang;
      utterance.rate = rate || 0.9;
      const voice = window.speechSynthesis.getVoices().find(function (v) {
        return v.lang && v.lang.replace("_", "-").toLowerCase() === phrase.lang.toLowerCase();
      });
      if (voice) utterance.voice = voice;
      let done = false;
      const finish = function () {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      // Some browsers never fire "end" (no voice installed): don't let the queue stall.
      const timer = setTimeout(finish, 2000 + phrase.text.length * 250);
      utterance.addEventListener("end", finish);
      utterance.addEventListener("error", finish);
      window.speechSynthesis.speak(utterance);
    });
  }

  // The page's one reading queue. `say` replaces whatever is being read (a second
  // tap never talks over the first); `stop` silences it at once.
  let run = 0;
  let active = false;
  const listeners = [];

  function notify() {
    listeners.forEach(function (fn) { fn(active); });
  }

  function stop() {
    run += 1;
    if (window.speechSynthesis && window.speechSynthesis.cancel) window.speechSynthesis.cancel();
    if (active) {
      active = false;
      notify();
    }
  }

  function say(list, rate) {
    stop();
    const mine = run;
    const items = (list || []).filter(function (p) { return p && p.text; });
    if (!items.length) return Promise.resolve();
    active = true;
    notify();
    return items
      .reduce(function (chain, phrase) {
        return chain.then(function () {
          if (mine !== run) return null; // stopped, or replaced by a newer reading
          return speak(phrase, rate);
        });
      }, Promise.resolve())
      .then(function () {
        if (mine === run && active) {
          active = false;
          notify();
        }
      });
  }

  window.CounterSpeech = {
    phrases: phrases,
    languages: Object.keys(PHRASES),
    speak: speak,
    say: say,
    stop: stop,
    isSpeaking: function () { return active; },
    onChange: function (fn) { listeners.push(fn); },
  };
})();
