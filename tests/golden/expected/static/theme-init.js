// Applies the reader's saved light/dark choice before the first paint (site.js saves it).
try {
  var sitegenTheme = localStorage.getItem("sitegen-theme");
  if (sitegenTheme === "light" || sitegenTheme === "dark") {
    document.documentElement.setAttribute("data-theme", sitegenTheme);
  }
} catch (e) { /* storage blocked: follow the system setting */ }
