// sitegen default theme: progressive enhancements only; every page works without this file.
(function () {
  "use strict";

  // Show recent dates as "3 hours ago", keeping the absolute date as the tooltip.
  var units = [["year", 31536e6], ["month", 2592e6], ["week", 6048e5], ["day", 864e5],
               ["hour", 36e5], ["minute", 6e4]];
  function relative(date) {
    var diff = date.getTime() - Date.now();
    if (!window.Intl || !Intl.RelativeTimeFormat || Math.abs(diff) > 7 * 864e5) return null;
    var format = new Intl.RelativeTimeFormat(document.documentElement.lang || "en", { numeric: "auto" });
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
})();
