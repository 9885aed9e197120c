// The spoken announcement of a call, one phrase per language. The texts are
// fixed announcements, not UI strings: the hall hears the same words whatever
// language the screen is set to.
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

  window.CounterSpeech = { phrases: phrases, languages: Object.keys(PHRASES) };
})();
