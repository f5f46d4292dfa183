// sitegen serve: reload this tab when the site is rebuilt, and show build errors over it.
// Injected by the dev server into the HTML it serves; never part of the built site.
(function () {
  "use strict";
  var overlayId = "sitegen-build-error";

  function hideError() {
    var old = document.getElementById(overlayId);
    if (old) old.remove();
  }

  function showError(message) {
    hideError();
    var box = document.createElement("div");
    box.id = overlayId;
    box.setAttribute("role", "alert");
    box.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
      "background:rgba(20,0,0,.92);color:#fff;font:14px/1.5 ui-monospace,monospace;";
    var title = document.createElement("h2");
    title.textContent = "sitegen: the build failed; showing the last good site";
    title.style.cssText = "margin:0 0 1rem;font:bold 18px system-ui,sans-serif;";
    var pre = document.createElement("pre");
    pre.textContent = message;
    pre.style.cssText = "white-space:pre-wrap;margin:0;";
    box.appendChild(title);
    box.appendChild(pre);
    document.body.appendChild(box);
  }

  // The page is named so that a rebuild puts it in place before telling this tab.
  var events = new EventSource(
    "/__sitegen/events?page=" + encodeURIComponent(window.location.pathname)
  );
  events.addEventListener("reload", function () {
    window.location.reload();
  });
  events.addEventListener("build-error", function (event) {
    showError(JSON.parse(event.data).message);
  });
  events.addEventListener("build-ok", hideError);
})();
