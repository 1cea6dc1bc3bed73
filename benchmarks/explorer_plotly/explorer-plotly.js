/* Prototype: the kernel-free explorers drawn with plotly.js instead of hand-written SVG.
 *
 * Not loaded by the book: benchmarks/explorer_renderers.py serves it in place
 * of _static/explorer.js to compare the two. (It is kept out of _static/,
 * whose every script jupyter-book adds to every page.) It reads the same JSON payload
 * (scalinglaws/explorer.py) and never computes a number: the frame for the
 * current slider positions is looked up and handed to Plotly.react. What
 * plotly.js adds: axes fitted to each frame, 10ⁿ tick labels, hover values,
 * a legend outside the plot, zoom/pan on a desktop, and a responsive size.
 * Needs window.Plotly (e.g. plotly-basic.min.js) loaded first.
 */
(function () {
  "use strict";
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
  var SUPERSCRIPT = { "-": "\u207b", "0": "\u2070", "1": "\u00b9", "2": "\u00b2", "3": "\u00b3", "4": "\u2074",
                      "5": "\u2075", "6": "\u2076", "7": "\u2077", "8": "\u2078", "9": "\u2079" };

  function readable(text) {
    return String(text).replace(/(\d+(?:\.\d+)?)e([+-]?)(\d+)/g, function (m, mantissa, sign, exponent) {
      var power = (sign === "-" ? "-" : "") + String(parseInt(exponent, 10));
      var sup = power.split("").map(function (ch) { return SUPERSCRIPT[ch]; }).join("");
      return (mantissa === "1" ? "" : mantissa + " \u00d7 ") + "10" + sup;
    });
  }

  function unitOf(label) {
    var m = /\(([^()]*)\)\s*$/.exec(label);
    return m ? m[1] : "";
  }

  function el(tag, attrs, parent) {
    var e = document.createElement(tag);
    for (var k in attrs) { if (attrs.hasOwnProperty(k)) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }

  // The theme's colours, read again whenever the reader switches light/dark.
  function theme() {
    var css = getComputedStyle(document.documentElement);
    function v(name, fallback) { return (css.getPropertyValue(name) || "").trim() || fallback; }
    return { bg: v("--pst-color-background", "#fff"), text: v("--pst-color-text-base", "#222"),
             grid: v("--pst-color-table-inner-border", "#e5e7ea"), line: v("--pst-color-text-muted", "#888") };
  }

  function axis(title, log, c) {
    return { title: { text: title }, type: log ? "log" : "linear", exponentformat: "power",
             gridcolor: c.grid, linecolor: c.line, zeroline: false, automargin: true, showline: true };
  }

  function traces(frame) {
    return frame.series.map(function (s, i) {
      var color = COLORS[i % COLORS.length];
      return { type: "scatter", mode: s.kind === "points" ? "markers" : "lines", name: s.label, x: s.x, y: s.y,
               line: { color: color, width: 2, dash: s.dashed ? "dash" : "solid" },
               marker: { color: color, size: 7 },
               hovertemplate: "%{x:.3~g}, %{y:.4~g}<extra>" + s.label + "</extra>" };
    });
  }

  function layout(data, narrow) {
    var c = theme();
    return {
      paper_bgcolor: c.bg, plot_bgcolor: c.bg, font: { color: c.text, size: 13 },
      margin: { l: 8, r: 8, t: 8, b: 8 }, height: narrow ? 340 : 400,
      xaxis: axis(data.xlabel, data.xlog, c), yaxis: axis(data.ylabel, data.ylog, c),
      // Above the plot, outside it: a legend never covers the data (plotly
      // makes room for it); below, it would collide with the x-axis title.
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" },
      hovermode: "closest",
      // On a touch screen a drag scrolls the page instead of zooming.
      dragmode: narrow ? false : "zoom"
    };
  }

  function build(root) {
    var script = root.querySelector("script.sl-explorer-data");
    if (!script || !window.Plotly) return;
    var data = JSON.parse(script.textContent);
    var controls = el("div", { "class": "sl-controls" }, root);
    el("p", { "class": "sl-title" }, root).textContent = data.title;
    var body = el("div", { "class": "sl-body" }, root);
    var plot = el("div", { "class": "sl-plot", role: "img", "aria-label": data.title }, body);
    var readout = el("div", { "class": "sl-readout", "aria-live": "polite", "aria-atomic": "true" }, body);
    var table = el("table", { "class": "sl-numbers" }, readout);
    var indices = data.controls.map(function (c) { return c.default; });
    var narrow = function () { return root.clientWidth < 600; };
    var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

    function draw() {
      var key = indices.join("-"), frame = data.frames[key];
      window.Plotly.react(plot, traces(frame), layout(data, narrow()), config);
      table.innerHTML = "";
      frame.numbers.forEach(function (n) {
        var tr = el("tr", {}, table);
        el("th", {}, tr).textContent = n.label;
        el("td", { "class": "sl-number", "data-key": n.key }, tr).textContent = n.text;
      });
      root.setAttribute("data-frame", key);
    }

    data.controls.forEach(function (c, i) {
      var id = "sl-" + data.name + "-" + c.name, unit = unitOf(c.label);
      var valueText = function (k) { return readable(c.texts[k]) + (unit ? " " + unit : ""); };
      var row = el("div", { "class": "sl-control" }, controls);
      el("label", { "class": "sl-control-label", "for": id }, row).textContent = c.label;
      var input = el("input", { type: "range", id: id, min: 0, max: c.texts.length - 1, step: 1, value: c.default,
                                name: c.name, "aria-valuetext": valueText(c.default) }, row);
      var value = el("output", { "class": "sl-control-value", "for": id }, row);
      value.textContent = readable(c.texts[c.default]);
      input.addEventListener("input", function () {
        indices[i] = parseInt(input.value, 10);
        value.textContent = readable(c.texts[indices[i]]);
        input.setAttribute("aria-valuetext", valueText(indices[i]));
        draw();
      });
    });
    draw();
    // Follow the theme's light/dark switch.
    new MutationObserver(draw).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    root.classList.add("sl-ready");
  }

  function init() {
    var style = document.createElement("style");
    style.textContent = ".sl-title{font-weight:600;margin:.2em 0 .4em}" +
      ".sl-plot{flex:1 1 300px;min-width:0;width:100%;max-width:680px}";
    document.head.appendChild(style);
    document.querySelectorAll("div.sl-explorer").forEach(build);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
