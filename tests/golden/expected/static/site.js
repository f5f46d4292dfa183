// sitegen default theme: progressive enhancements only; every page works without this file.
(function () {
  "use strict";
  var root = document.documentElement;

  // Show recent dates as "3 hours ago", keeping the absolute date as the tooltip. English
  // phrases are built in: making an Intl.RelativeTimeFormat loads locale data, which takes a
  // phone longer than the rest of this file, so it is used only for other languages.
  var units = [["week", 6048e5], ["day", 864e5], ["hour", 36e5], ["minute", 6e4]];
  var english = /^en\b/i.test(root.lang || "en");
  var named = { "day:-1": "yesterday", "day:1": "tomorrow", "week:-1": "last week",
                "week:1": "next week", "minute:0": "just now" };
  var format = null; // made once, on first need
  function phrase(count, unit) {
    if (english) {
      var name = named[unit + ":" + count];
      if (name) return name;
      var words = Math.abs(count) + " " + unit + (Math.abs(count) === 1 ? "" : "s");
      return count < 0 ? words + " ago" : "in " + words;
    }
    if (!window.Intl || !Intl.RelativeTimeFormat) return null;
    format = format || new Intl.RelativeTimeFormat(root.lang, { numeric: "auto" });
    return format.format(count, unit);
  }
  function relative(date) {
    var diff = date.getTime() - Date.now();
    if (!(Math.abs(diff) <= 7 * 864e5)) return null; // also skips invalid dates
    var i = 0; // the largest unit the difference reaches; minutes at least
    while (i < units.length - 1 && Math.abs(diff) < units[i][1]) i++;
    return phrase(Math.round(diff / units[i][1]), units[i][0]);
  }
  // Each enhancement below runs as its own short task after this file is evaluated, so none of
  // them holds the main thread while the page is first shown and a tap is answered at once.
  var later = function (work) { window.setTimeout(work, 0); };
  later(function () {
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var text = relative(new Date(el.getAttribute("datetime")));
      if (text) el.textContent = text;
    });
  });

  // Light/dark toggle. theme-init.js applies the saved choice before the first paint; with no
  // saved choice the system setting rules. The button stays hidden without this script.
  var toggle = document.querySelector(".theme-toggle");
  var media = null; // the system setting, watched once the toggle is set up
  function theme() {
    return root.getAttribute("data-theme") || (media && media.matches ? "dark" : "light");
  }
  function sync() {
    if (toggle) toggle.setAttribute("aria-pressed", String(theme() === "dark"));
  }
  if (toggle) later(function () {
    media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
    toggle.hidden = false;
    sync();
    toggle.addEventListener("click", function () {
      var next = theme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("sitegen-theme", next); } catch (e) { /* not remembered */ }
      sync();
    });
    if (media && media.addEventListener) media.addEventListener("change", sync);
  });

  // Remote images can fail: hide the broken image so its box shows the quiet placeholder.
  var photos = ".media img, .story-image img";
  function broken(img) { img.classList.add("is-broken"); }
  document.addEventListener("error", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches(photos)) broken(el);
  }, true);
  later(function () {
    document.querySelectorAll(photos).forEach(function (img) {
      if (img.complete && img.naturalWidth === 0) broken(img);
    });
  });
})();
