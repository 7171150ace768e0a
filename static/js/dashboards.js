// Charts of the home dashboards and figure pages, drawn with the vendored Chart.js from data
// the server sends with json_script (no inline script: the CSP allows none). Every chart has a
// table beside it with the same figures, for keyboard and screen-reader users and for print.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;          // the tables carry the figures anyway

  const number = new Intl.NumberFormat("zh-CN", {maximumFractionDigits: 1});
  const money = new Intl.NumberFormat("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  const format = (unit, value) => {
    if (value === null || value === undefined) return "—";
    if (unit === "元") return money.format(value) + " 元";
    if (unit === "%") return number.format(value) + "%";
    return number.format(value) + (unit ? " " + unit : "");
  };
  // Axis ticks stay short: 万元 for large amounts, every tick of that axis alike (0.5万, not 5,000).
  const tick = (unit, value, ticks) => {
    const top = Math.max(...ticks.map((t) => Math.abs(t.value)));
    if (unit === "元" && top >= 10000) return number.format(value / 10000) + "万";
    if (unit === "%") return value + "%";
    return number.format(value);
  };

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#1a1a1a";
  Chart.defaults.animation = false;                   // a figure appears at once, and prints at once

  const charts = [];

  function build(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    const horizontal = spec.horizontal;
    const valueAxis = horizontal ? "x" : "y";
    const categoryAxis = horizontal ? "y" : "x";
    const datasets = spec.datasets.map((d) => ({
      label: d.label, data: d.data, stack: d.stack, type: d.type,
      backgroundColor: d.type === "line" ? d.color : (spec.type === "doughnut" ? spec.datasets[0].data.map((_, i) => PALETTE[i % PALETTE.length]) : d.color),
      borderColor: d.type === "line" ? d.color : "#ffffff",
      borderWidth: d.type === "line" ? 2 : (spec.type === "doughnut" ? 2 : 0),
      pointRadius: d.type === "line" ? 3 : undefined,
      order: d.type === "line" ? 0 : 1,
    }));
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: {display: spec.datasets.length > 1 || spec.type === "doughnut", position: "bottom"},
        tooltip: {callbacks: {label: (ctx) => {
          const value = spec.type === "doughnut" ? ctx.parsed : ctx.parsed[valueAxis];
          return (ctx.dataset.label ? ctx.dataset.label + "：" : "") + format(spec.unit, value);
        }}},
      },
    };
    if (spec.type !== "doughnut") {
      options.indexAxis = categoryAxis;
      options.scales = {
        [categoryAxis]: {stacked: spec.stacked, grid: {display: false}, ticks: {autoSkip: false}},
        [valueAxis]: {stacked: spec.stacked, beginAtZero: true, max: spec.max === null ? undefined : spec.max,
                      // Counts (件, 条, 人) step in whole numbers: no "0.2 件" with one claim.
                      ticks: {precision: COUNTS.includes(spec.unit) ? 0 : undefined,
                              callback: (value, index, ticks) => tick(spec.unit, value, ticks)}},
      };
    }
    charts.push(new Chart(canvas, {type: spec.type, data: {labels: spec.labels, datasets}, options}));
  }

  const COUNTS = ["件", "条", "人"];
  const PALETTE = ["#0b4a8b", "#6fa8dc", "#b45f06", "#f6b26b", "#38761d", "#93c47d", "#741b47", "#c27ba0", "#666666"];

  document.querySelectorAll("canvas[data-chart]").forEach(build);

  // Printing: draw each chart at its printed size (A4 text width) before the page is laid out,
  // and back to the screen's size afterwards.
  // (160 mm at 96 dpi is about 600 px; a tall chart, one bar a street, keeps its height.)
  window.addEventListener("beforeprint", () => {
    charts.forEach((c) => { c.resize(600, c.canvas.parentNode.classList.contains("tall") ? 470 : 260); });
  });
  window.addEventListener("afterprint", () => {
    charts.forEach((c) => { c.resize(); });
  });
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
})();
