/* Kernel-free explorers (see scalinglaws/explorer.py).
 *
 * Each <div class="sl-explorer"> holds a JSON payload of frames that the
 * library precomputed for every slider setting. This script only draws: it
 * builds one range input per control, looks up the frame for the current
 * positions and renders its curves as SVG and its numbers as a table. It
 * never computes a value itself, so the page shows exactly what Python did.
 *
 * Accessibility: each slider announces its value with its unit
 * (aria-valuetext, "3.16 × 10²⁰ FLOPs" rather than "7"), the value shown
 * beside it is an <output> linked to it, and the table of numbers is a live
 * region, so a screen reader hears the new numbers after a move. Colours
 * come from the theme's CSS variables (explorer.css), so explorers follow
 * the light/dark switch.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
  var W = 640, H = 380, M = { left: 70, right: 20, top: 30, bottom: 50 };

  var SUPERSCRIPT = { "-": "\u207b", "0": "\u2070", "1": "\u00b9", "2": "\u00b2", "3": "\u00b3", "4": "\u2074",
                      "5": "\u2075", "6": "\u2076", "7": "\u2077", "8": "\u2078", "9": "\u2079" };

  // "3.16e+20" -> "3.16 × 10²⁰", "1e-3" -> "10⁻³"; any other text is left as it is.
  // Only the notation changes: the digits are the ones Python printed.
  function readable(text) {
    return String(text).replace(/(\d+(?:\.\d+)?)e([+-]?)(\d+)/g, function (m, mantissa, sign, exponent) {
      var power = (sign === "-" ? "-" : "") + String(parseInt(exponent, 10));
      var sup = power.split("").map(function (ch) { return SUPERSCRIPT[ch]; }).join("");
      return (mantissa === "1" ? "" : mantissa + " \u00d7 ") + "10" + sup;
    });
  }

  // The unit of a control is the parenthesised end of its label: "compute C (FLOPs)" -> "FLOPs".
  function unitOf(label) {
    var m = /\(([^()]*)\)\s*$/.exec(label);
    return m ? m[1] : "";
  }

  function el(tag, attrs, parent, ns) {
    var e = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (var k in attrs) { if (attrs.hasOwnProperty(k)) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }

  function extent(frames, axis, log) {
    var lo = Infinity, hi = -Infinity;
    Object.keys(frames).forEach(function (key) {
      frames[key].series.forEach(function (s) {
        s[axis].forEach(function (v) {
          if (v === null || (log && v <= 0)) return;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        });
      });
    });
    if (!isFinite(lo)) { lo = log ? 1 : 0; hi = log ? 10 : 1; }
    if (lo === hi) { if (log) { lo /= 2; hi *= 2; } else { lo -= 1; hi += 1; } }
    return [lo, hi];
  }

  function scale(range, pixels, log) {
    var a = log ? Math.log10(range[0]) : range[0];
    var b = log ? Math.log10(range[1]) : range[1];
    return function (v) {
      var t = ((log ? Math.log10(v) : v) - a) / (b - a);
      return pixels[0] + t * (pixels[1] - pixels[0]);
    };
  }

  function ticks(range, log) {
    var out = [];
    if (log) {
      var a = Math.floor(Math.log10(range[0])), b = Math.ceil(Math.log10(range[1]));
      var step = Math.max(1, Math.ceil((b - a) / 8));
      for (var p = a; p <= b; p += step) {
        var v = Math.pow(10, p);
        if (v >= range[0] * 0.999 && v <= range[1] * 1.001) out.push(v);
      }
      if (out.length < 2) {  // a narrow range: label 1-2-5 steps instead
        out = [];
        for (var q = a; q <= b; q++) {
          [1, 2, 5].forEach(function (m) {
            var w = m * Math.pow(10, q);
            if (w >= range[0] && w <= range[1]) out.push(w);
          });
        }
      }
      return out;
    }
    var span = range[1] - range[0], raw = span / 6;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var nice = [1, 2, 5, 10].map(function (m) { return m * mag; }).filter(function (s) { return s >= raw; })[0];
    for (var t = Math.ceil(range[0] / nice) * nice; t <= range[1] + 1e-12; t += nice) out.push(t);
    return out;
  }

  function fmtTick(v) {
    // Plain numbers between 0.001 and 10,000; otherwise 2e6-style.
    var a = Math.abs(v);
    if (v === 0 || (a >= 1e-3 && a < 1e4)) return String(+v.toPrecision(3));
    var p = Math.floor(Math.log10(a) + 1e-9), m = +(v / Math.pow(10, p)).toPrecision(2);
    return (m === 1 ? "1" : String(m)) + "e" + p;
  }

  function draw(root, data, svg, table, indices) {
    var frame = data.frames[indices.join("-")];
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var xr = root._xr, yr = root._yr;
    var sx = scale(xr, [M.left, W - M.right], data.xlog);
    var sy = scale(yr, [H - M.bottom, M.top], data.ylog);
    var axes = el("g", { "class": "sl-axes" }, svg, true);
    el("rect", { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom,
                 fill: "none", "class": "sl-frame" }, axes, true);
    ticks(xr, data.xlog).forEach(function (v) {
      var x = sx(v);
      el("line", { x1: x, x2: x, y1: M.top, y2: H - M.bottom, "class": "sl-grid" }, axes, true);
      var t = el("text", { x: x, y: H - M.bottom + 16, "text-anchor": "middle", "font-size": 11 }, axes, true);
      t.textContent = fmtTick(v);
    });
    ticks(yr, data.ylog).forEach(function (v) {
      var y = sy(v);
      el("line", { x1: M.left, x2: W - M.right, y1: y, y2: y, "class": "sl-grid" }, axes, true);
      var t = el("text", { x: M.left - 6, y: y + 4, "text-anchor": "end", "font-size": 11 }, axes, true);
      t.textContent = fmtTick(v);
    });
    var xl = el("text", { x: (M.left + W - M.right) / 2, y: H - 10, "text-anchor": "middle", "font-size": 13 }, axes, true);
    xl.textContent = data.xlabel;
    var yl = el("text", { x: 16, y: (M.top + H - M.bottom) / 2, "text-anchor": "middle", "font-size": 13,
                          transform: "rotate(-90 16 " + (M.top + H - M.bottom) / 2 + ")" }, axes, true);
    yl.textContent = data.ylabel;
    var title = el("text", { x: (M.left + W - M.right) / 2, y: 18, "text-anchor": "middle", "font-size": 14 }, axes, true);
    title.textContent = data.title;

    var plot = el("g", { "class": "sl-series" }, svg, true);
    frame.series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length];
      var pts = [];
      for (var k = 0; k < s.x.length; k++) {
        var x = s.x[k], y = s.y[k];
        if (x === null || y === null || (data.xlog && x <= 0) || (data.ylog && y <= 0)) continue;
        if (x < xr[0] || x > xr[1] || y < yr[0] || y > yr[1]) continue;
        pts.push([sx(x), sy(y)]);
      }
      if (s.kind === "points") {
        pts.forEach(function (p) {
          el("circle", { cx: p[0], cy: p[1], r: 3, fill: color, "data-series": s.label }, plot, true);
        });
      } else if (pts.length) {
        el("path", { d: "M" + pts.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join("L"),
                     fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": s.dashed ? "6 4" : "none",
                     "data-series": s.label }, plot, true);
      }
      var ly = M.top + 14 + 16 * i;
      el("line", { x1: W - M.right - 150, x2: W - M.right - 130, y1: ly - 4, y2: ly - 4, stroke: color,
                   "stroke-width": 2, "stroke-dasharray": s.dashed ? "6 4" : "none" }, plot, true);
      var lt = el("text", { x: W - M.right - 125, y: ly, "font-size": 11 }, plot, true);
      lt.textContent = s.label;
    });

    table.innerHTML = "";
    frame.numbers.forEach(function (n) {
      var tr = el("tr", {}, table);
      el("th", {}, tr).textContent = n.label;
      var td = el("td", { "class": "sl-number", "data-key": n.key }, tr);
      td.textContent = n.text;
    });
    root.setAttribute("data-frame", indices.join("-"));
  }

  function build(root) {
    var script = root.querySelector("script.sl-explorer-data");
    if (!script) return;
    var data = JSON.parse(script.textContent);
    root._xr = extent(data.frames, "x", data.xlog);
    root._yr = extent(data.frames, "y", data.ylog);
    var controls = el("div", { "class": "sl-controls" }, root);
    var body = el("div", { "class": "sl-body" }, root);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, "class": "sl-figure", role: "img",
                          "aria-label": data.title }, body, true);
    var readout = el("div", { "class": "sl-readout", "aria-live": "polite", "aria-atomic": "true" }, body);
    var table = el("table", { "class": "sl-numbers" }, readout);
    var indices = data.controls.map(function (c) { return c.default; });
    data.controls.forEach(function (c, i) {
      var id = "sl-" + data.name + "-" + c.name;
      var unit = unitOf(c.label);
      var valueText = function (k) { return readable(c.texts[k]) + (unit ? " " + unit : ""); };
      var row = el("div", { "class": "sl-control" }, controls);
      el("label", { "class": "sl-control-label", "for": id }, row).textContent = c.label;
      var input = el("input", { type: "range", id: id, min: 0, max: c.texts.length - 1, step: 1, value: c.default,
                                name: c.name, "aria-valuetext": valueText(c.default) }, row);
      var value = el("output", { "class": "sl-control-value", "for": id, "data-control": c.name }, row);
      value.textContent = readable(c.texts[c.default]);
      input.addEventListener("input", function () {
        indices[i] = parseInt(input.value, 10);
        value.textContent = readable(c.texts[indices[i]]);
        input.setAttribute("aria-valuetext", valueText(indices[i]));
        draw(root, data, svg, table, indices);
      });
    });
    draw(root, data, svg, table, indices);
    root.classList.add("sl-ready");
  }

  function init() { document.querySelectorAll("div.sl-explorer").forEach(build); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
