// Small enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".js-print")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }

  const filters = document.querySelector("form.filters");
  if (filters) {
    // On a phone the filters would push the results a long way down: fold them.
    const panel = filters.querySelector(".filter-panel");
    if (panel && window.matchMedia("(max-width: 52rem)").matches) {
      panel.open = false;
    }
    // Apply a sort or a filter as soon as it is chosen.
    filters.addEventListener("change", (event) => {
      if (event.target.matches("select, input[type=checkbox]")) {
        filters.requestSubmit();
      }
    });
    // Leave empty fields out of the address, so that shared links stay short.
    filters.addEventListener("submit", () => {
      for (const field of filters.querySelectorAll("input[name], select[name]")) {
        if (field.value === "") {
          field.disabled = true;
        }
      }
    });
  }
});

// Comparing needs two to four ticked sheets: say so at once instead of leaving the page.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.compare-form");
  const message = form && form.querySelector(".compare-message");
  if (!message) {
    return;
  }
  form.addEventListener("submit", (event) => {
    const ticked = form.querySelectorAll("input[name=slugs]:checked").length;
    if (ticked >= Number(form.dataset.min) && ticked <= Number(form.dataset.max)) {
      return;
    }
    event.preventDefault();
    message.querySelector(".compare-count").textContent = String(ticked);
    message.hidden = false;
    message.tabIndex = -1;
    message.focus();
  });
});

// Draw the charts whose figures the page carries as JSON data blocks.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.Plotly) {
    return;
  }
  for (const element of document.querySelectorAll("[data-figure]")) {
    const source = document.getElementById(element.dataset.figure);
    if (!source) {
      continue;
    }
    const figure = JSON.parse(source.textContent);
    element.hidden = false;
    // A fixed width (the printable report): the same drawing on screen and on paper.
    if (element.dataset.width) {
      figure.layout.width = Number(element.dataset.width);
      figure.layout.autosize = false;
      figure.config.responsive = false;
    }
    // On a phone, axis labels beside the bars would leave the bars no room: draw them
    // inside the plot area, over the grid, and let the bars use the whole width.
    if (element.clientWidth < 600 && figure.layout.yaxis && figure.layout.yaxis.type === "category") {
      figure.layout.yaxis.ticklabelposition = "inside";
      figure.layout.yaxis.automargin = false;
      figure.layout.margin = { ...figure.layout.margin, l: 0 };
    }
    window.Plotly.newPlot(element, figure.data, figure.layout, figure.config);
  }
});
