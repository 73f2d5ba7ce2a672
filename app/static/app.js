// Small enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // A table wider than the screen scrolls sideways inside itself (narrow screens, longer
  // words in some languages): keyboard users reach it with Tab and scroll it with the arrows.
  const scrollable = (table) => {
    if (table.scrollWidth > table.clientWidth + 1) {
      table.tabIndex = 0;
    } else {
      table.removeAttribute("tabindex");
    }
  };
  const tables = document.querySelectorAll(".data-table");
  const watcher = new ResizeObserver((entries) => entries.forEach((e) => scrollable(e.target)));
  tables.forEach((table) => {
    scrollable(table);
    watcher.observe(table);
  });

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
  const charts = [...document.querySelectorAll("[data-figure]")];
  for (const element of charts) {
    element.hidden = false;
    drawChart(element, false);
  }
  // A chart of fixed width (the printable report) is drawn narrower on a narrow screen:
  // draw it at its width for paper while printing, and back to the screen's after.
  const fixed = charts.filter((element) => element.dataset.width);
  if (!fixed.length) {
    return;
  }
  const redraw = (printing) => {
    for (const element of fixed) {
      drawChart(element, printing);
    }
  };
  window.addEventListener("beforeprint", () => redraw(true));
  window.addEventListener("afterprint", () => redraw(false));
  window.matchMedia("print").addEventListener("change", (event) => redraw(event.matches));
});

// A page from the store carries no CSRF token for a visitor who came without a session
// (making one would make a session on every visit): a form sent without one asks for a
// token first. Without this script, the server asks to confirm instead.
document.addEventListener("DOMContentLoaded", () => {
  const tokenAddress = document.querySelector('meta[name="csrf-token-url"]')?.content;
  for (const form of document.querySelectorAll('form[method="post"]')) {
    const token = form.querySelector('input[name="csrf_token"]');
    if (!token || !tokenAddress) {
      continue;
    }
    form.addEventListener("submit", async (event) => {
      if (token.value || form.dataset.tokenAsked) {
        return;
      }
      event.preventDefault();
      form.dataset.tokenAsked = "yes";
      try {
        const answer = await fetch(tokenAddress, { credentials: "same-origin" });
        if (answer.ok) {
          token.value = (await answer.json()).csrf_token;
        }
      } catch {
        // Sent as it is: the server asks to confirm.
      }
      form.requestSubmit(event.submitter);
    });
  }
});

// Draw one chart from its figure, fitted to its element's width (`printing`: to paper's).
function drawChart(element, printing) {
  const source = document.getElementById(element.dataset.figure);
  if (!source) {
    return;
  }
  const figure = JSON.parse(source.textContent);
  let width = element.clientWidth;
  // A fixed width (the printable report): the same drawing on paper as on a screen wide
  // enough for it; on a narrower screen the chart fits the screen, as on the dashboard.
  const fixed = Number(element.dataset.width);
  if (fixed && (printing || width >= fixed)) {
    width = fixed;
    figure.layout.width = fixed;
    figure.layout.autosize = false;
    figure.config.responsive = false;
  }
  // Already drawn at this width (on a screen as wide as the paper): nothing changes.
  if (element.dataset.drawn === String(width)) {
    return;
  }
  element.dataset.drawn = String(width);
  // On a phone, long row labels beside the bars would leave the bars no room, and drawn
  // over the bars they hide them: keep them beside the bars, shortened (the hover label and
  // the table under the chart give the full names).
  if (width < 600) {
    shortenRowLabels(figure.layout.yaxis, 16);
    legendInColumns(figure, width);
    fewerTicks(figure, width);
  }
  window.Plotly.newPlot(element, figure.data, figure.layout, figure.config);
}

// Shorten the labels of an axis of named rows to `width` characters, kept distinct.
// Values are the full names as HTML-escaped text (charts/figures.py plain_text): read them
// as text, cut them (keeping a short last part in brackets, such as a plan's year), and
// escape them again, so that no entity is cut in half or counted as characters.
function shortenRowLabels(axis, width) {
  if (!axis || axis.type !== "category") {
    return;
  }
  const values = axis.tickvals || axis.categoryarray;
  if (!values) {
    return;
  }
  const taken = new Set();
  axis.tickmode = "array";
  axis.tickvals = values;
  axis.ticktext = values.map((value) => {
    const text = new DOMParser().parseFromString(String(value), "text/html").documentElement.textContent;
    const found = text.match(/ \([^()]{1,12}\)$/);
    const tail = found && found[0].length * 2 < width ? found[0] : "";
    const head = text.slice(0, text.length - tail.length);
    const cut = (room) => head.slice(0, room).trimEnd() + "…" + tail;
    let short = text.length <= width ? text : cut(width - tail.length - 1);
    for (let n = 2; taken.has(short); n += 1) {
      short = `${cut(width - tail.length - 5)} (${n})`;
    }
    taken.add(short);
    return short.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  });
}

// Lay a legend out in two columns across a narrow chart, and make the chart taller by its
// rows, so that the legend neither squeezes the plot nor scrolls over it.
function legendInColumns(figure, width) {
  const layout = figure.layout;
  if (!layout.legend || layout.showlegend === false) {
    return;
  }
  const entries = figure.data.filter((trace) => trace.showlegend !== false).length;
  layout.legend.entrywidth = Math.floor((width - 20) / 2);
  layout.legend.entrywidthmode = "pixels";
  layout.height = (layout.height || 300) + Math.ceil(entries / 2) * 24;
}

// Space the ticks of a horizontal axis for a narrow chart, so their labels stay level:
// turned on their side they took the chart's height.
function fewerTicks(figure, width) {
  const axis = figure.layout.xaxis;
  if (!axis || axis.type === "category") {
    return;
  }
  // Row labels beside the plot take about a third of a phone's width.
  const plotWidth = figure.layout.yaxis && figure.layout.yaxis.type === "category" ? width * 0.6 : width;
  const fit = Math.max(2, Math.floor(plotWidth / (axis.type === "date" ? 90 : 70)));
  if (axis.dtick && axis.range) {
    const ticks = (axis.range[1] - axis.range[0]) / axis.dtick;
    if (ticks > fit) {
      axis.dtick *= Math.ceil(ticks / fit);
    }
  } else {
    axis.nticks = fit;
  }
  axis.tickangle = 0;
}
