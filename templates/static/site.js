// sitegen default theme: progressive enhancements only; every page works without this file.
(function () {
  "use strict";
  var root = document.documentElement;

  // Show recent dates as "3 hours ago", keeping the absolute date as the tooltip.
  var units = [["year", 31536e6], ["month", 2592e6], ["week", 6048e5], ["day", 864e5],
               ["hour", 36e5], ["minute", 6e4]];
  var format = null; // made once, on first need: each formatter loads locale data
  function relative(date) {
    var diff = date.getTime() - Date.now();
    if (!window.Intl || !Intl.RelativeTimeFormat || Math.abs(diff) > 7 * 864e5) return null;
    format = format || new Intl.RelativeTimeFormat(root.lang || "en", { numeric: "auto" });
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(diff) >= units[i][1] || units[i][0] === "minute") {
        return format.format(Math.round(diff / units[i][1]), units[i][0]);
      }
    }
    return null;
  }
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var text = relative(new Date(el.getAttribute("datetime")));
    if (text) el.textContent = text;
  });

  // Light/dark toggle. theme-init.js applies the saved choice before the first paint; with no
  // saved choice the system setting rules. The button stays hidden without this script.
  var toggle = document.querySelector(".theme-toggle");
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function theme() {
    return root.getAttribute("data-theme") || (media && media.matches ? "dark" : "light");
  }
  function sync() {
    if (toggle) toggle.setAttribute("aria-pressed", String(theme() === "dark"));
  }
  if (toggle) {
    toggle.hidden = false;
    sync();
    toggle.addEventListener("click", function () {
      var next = theme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("sitegen-theme", next); } catch (e) { /* not remembered */ }
      sync();
    });
    if (media && media.addEventListener) media.addEventListener("change", sync);
  }

  // Remote images can fail: hide the broken image so its box shows the quiet placeholder.
  var photos = ".media img, .story-image img";
  function broken(img) { img.classList.add("is-broken"); }
  document.addEventListener("error", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches(photos)) broken(el);
  }, true);
  document.querySelectorAll(photos).forEach(function (img) {
    if (img.complete && img.naturalWidth === 0) broken(img);
  });
})();
