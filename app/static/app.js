// Small enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".js-print")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
  // On a phone the filters would push the results a long way down: fold them unless in use.
  const panel = document.querySelector(".filter-panel");
  if (panel && panel.dataset.active === "0" && window.matchMedia("(max-width: 52rem)").matches) {
    panel.open = false;
  }
});
