// sitegen default theme: starts Pagefind's search UI on the search page (no inline script,
// so a strict Content-Security-Policy can allow this file alone).
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box || !window.PagefindUI) return;
  new window.PagefindUI({
    element: "#search",
    bundlePath: box.getAttribute("data-bundle-path"),
    baseUrl: box.getAttribute("data-base-url"),
    showSubResults: false,
    showImages: false,
    resetStyles: false
  });
  // Pagefind labels its box with a hidden label only; the page heading is its visible label.
  var input = box.querySelector("input");
  if (input) input.setAttribute("aria-labelledby", "search-title");
})();
