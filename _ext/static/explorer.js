/* Kernel-free explorers (see scalinglaws/explorers/framework.py), drawn with uPlot.
 *
 * Each <div class="sl-explorer"> holds a JSON payload that the library
 * precomputed for every setting of its controls. This script only draws: it
 * builds the controls (a slider for ordered values, a switch for yes/no,
 * radio buttons for named choices), looks up the frame for the current
 * setting and hands its curves to uPlot (vendor/uplot/, loaded before this
 * file) and its numbers to a table. It never computes a value that the
 * page shows as a result: readouts are the texts Python printed. Tick labels
 * and hover values are the payload's coordinates, written as 10ⁿ.
 *
 * What a reader gets: axes fitted to each frame (or held, with the switch),
 * a legend below the plot, never over it; tick labels as 10ⁿ on wide log
 * ranges and plain numbers on narrow ones, at least three per axis; notes
 * on the curves; the nearest data point's values on hover or tap; a reset
 * button; the setting in the address (?name=control:value,...), so a view
 * can be linked.
 *
 * Accessibility: each slider announces its value with its unit
 * (aria-valuetext, "3.16 × 10²⁰ FLOPs" rather than "7"), the value shown
 * beside it is an <output> linked to it, and the table of numbers is a live
 * region. Colours come from the theme's CSS variables, read again when the
 * reader switches light/dark.
 */
(function () {
  "use strict";
  // matplotlib's default cycle, so an explorer matches the figures beside it.
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
  var DASH = [7, 5];
  var TICK_FONT_PX = 12, LABEL_FONT_PX = 13;
  var SUPERSCRIPT = { "-": "\u207b", "0": "\u2070", "1": "\u00b9", "2": "\u00b2", "3": "\u00b3", "4": "\u2074",
                      "5": "\u2075", "6": "\u2076", "7": "\u2077", "8": "\u2078", "9": "\u2079" };

  // ------------------------------------------------------------------ numbers

  // "3.16e+20" -> "3.16 × 10²⁰"; Unicode text is left as it is (for texts
  // that an explorer's format wrote in e-notation).
  function readable(text) {
    return String(text).replace(/(\d+(?:\.\d+)?)e([+-]?)(\d+)/g, function (m, mantissa, sign, exponent) {
      var p = (sign === "-" ? "-" : "") + String(parseInt(exponent, 10));
      return (mantissa === "1" ? "" : mantissa + " \u00d7 ") + pow10(+p);
    });
  }

  function pow10(p) {
    return "10" + String(p).split("").map(function (ch) { return SUPERSCRIPT[ch]; }).join("");
  }

  // A coordinate with `digits` significant digits: plain between 10⁻³ and 10⁴, otherwise m × 10ⁿ.
  function fmtValue(v, digits) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    var p = Math.floor(Math.log10(a) + 1e-9);
    var m = +(v / Math.pow(10, p)).toPrecision(digits);
    if (Math.abs(m) >= 10) { m /= 10; p += 1; }
    if (p >= -3 && p < 4) return String(+v.toPrecision(digits));
    return (m === 1 ? "" : m === -1 ? "-" : String(m) + " \u00d7 ") + pow10(p);
  }

  // The unit of a control is the parenthesised end of its label: "compute C (FLOPs)" -> "FLOPs".
  function unitOf(label) {
    var m = /\(([^()]*)\)\s*$/.exec(label);
    return m ? m[1] : "";
  }

  // ------------------------------------------------------------------ DOM

  function el(tag, attrs, parent, text) {
    var e = document.createElement(tag);
    for (var k in attrs) { if (attrs.hasOwnProperty(k)) e.setAttribute(k, attrs[k]); }
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function svgSwatch(color, style) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "26"); svg.setAttribute("height", "12"); svg.setAttribute("aria-hidden", "true");
    var shape;
    if (style === 2) {
      shape = document.createElementNS(ns, "circle");
      shape.setAttribute("cx", "13"); shape.setAttribute("cy", "6"); shape.setAttribute("r", "4");
      shape.setAttribute("fill", color);
    } else {
      shape = document.createElementNS(ns, "line");
      shape.setAttribute("x1", "1"); shape.setAttribute("x2", "25"); shape.setAttribute("y1", "6"); shape.setAttribute("y2", "6");
      shape.setAttribute("stroke", color); shape.setAttribute("stroke-width", "2.5");
      if (style === 1) shape.setAttribute("stroke-dasharray", "5 3");
    }
    svg.appendChild(shape);
    return svg;
  }

  function theme() {
    var css = getComputedStyle(document.documentElement);
    function v(name, fallback) { return (css.getPropertyValue(name) || "").trim() || fallback; }
    return { text: v("--pst-color-text-base", "#222"), muted: v("--pst-color-text-muted", "#666"),
             grid: v("--pst-color-border", "#d9d9d9"), background: v("--pst-color-background", "#fff"),
             font: (getComputedStyle(document.body).fontFamily || "sans-serif") };
  }

  // ------------------------------------------------------------------ frames

  // The frame at control positions `indices`, with strings and arrays looked up.
  function frameAt(data, indices) {
    var k = 0;
    for (var i = 0; i < data.controls.length; i++) k = k * data.controls[i].texts.length + indices[i];
    var f = data.frames[k];
    return {
      series: f.s.map(function (s) {
        return { label: data.strings[s[0]], style: s[1], x: data.arrays[s[2]], y: data.arrays[s[3]] };
      }),
      numbers: f.n.map(function (n) { return { key: data.strings[n[0]], label: data.strings[n[1]], text: n[2] }; }),
      notes: (f.a || []).map(function (a) { return { text: data.strings[a[0]], x: a[1], y: a[2] }; })
    };
  }

  function usable(v, log) { return v !== null && isFinite(v) && (!log || v > 0); }

  // The range of one axis over a frame's data (and notes), padded a little.
  function fitRange(frame, axis, log) {
    var lo = Infinity, hi = -Infinity;
    function see(v) { if (usable(v, log)) { if (v < lo) lo = v; if (v > hi) hi = v; } }
    frame.series.forEach(function (s) { s[axis].forEach(see); });
    frame.notes.forEach(function (n) { see(n[axis]); });
    if (!isFinite(lo)) return log ? [1, 10] : [0, 1];
    if (log) {
      var a = Math.log10(lo), b = Math.log10(hi), pad = Math.max(0.04 * (b - a), 0.02);
      return [Math.pow(10, a - pad), Math.pow(10, b + pad)];
    }
    var span = hi - lo, p = span > 0 ? 0.05 * span : Math.max(Math.abs(hi) * 0.1, 1);
    return [lo - p, hi + p];
  }

  // ------------------------------------------------------------------ ticks

  var measurer = null;
  function textWidth(text, font) {
    if (!measurer) measurer = document.createElement("canvas").getContext("2d");
    measurer.font = font;
    return measurer.measureText(text).width;
  }

  function niceLinear(lo, hi, count) {
    var raw = (hi - lo) / Math.max(count, 1);
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    var step = mag * 10;
    for (var i = 0; i < steps.length; i++) { if (steps[i] * mag >= raw) { step = steps[i] * mag; break; } }
    var out = [];
    for (var t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toPrecision(12));
    return out;
  }

  // Candidate ticks of an axis, best first: each a list of values inside [lo, hi].
  function tickCandidates(lo, hi, log) {
    var even = [4, 5, 6, 8, 10, 14].map(function (n) { return niceLinear(lo, hi, n); });
    if (!log) return [niceLinear(lo, hi, 6)].concat(even);
    var a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
    var out = [];
    [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]].forEach(function (mantissas) {
      var ticks = [];
      for (var p = a; p <= b; p++) {
        mantissas.forEach(function (m) {
          var v = +(m * Math.pow(10, p)).toPrecision(12);
          if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
        });
      }
      out.push(ticks);
    });
    // Less than a decade or so: evenly spaced values, like a linear axis.
    return out.concat(even);
  }

  function tickLabel(v, ticks) {
    var allPlain = ticks.every(function (t) { var a = Math.abs(t); return t === 0 || (a >= 1e-3 && a < 1e4); });
    if (allPlain) return String(+v.toPrecision(6));
    // One notation per axis: 2 × 10³ beside 10⁴, never 2000 beside 10⁴.
    if (v === 0) return "0";
    var p = Math.floor(Math.log10(Math.abs(v)) + 1e-9), m = +(v / Math.pow(10, p)).toPrecision(3);
    return (m === 1 ? "" : m === -1 ? "-" : String(m) + " \u00d7 ") + pow10(p);
  }

  // Ticks and labels for an axis `px` CSS pixels long: every tick gets a grid
  // line; labels are dropped where they would collide, keeping at least 3.
  function chooseTicks(lo, hi, log, px, vertical, font) {
    var pos = function (v) {
      return log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * px
                 : (v - lo) / (hi - lo) * px;
    };
    var candidates = tickCandidates(lo, hi, log);
    var best = null;
    for (var c = 0; c < candidates.length; c++) {
      var ticks = candidates[c];
      if (ticks.length < 3) continue;
      var labels = ticks.map(function (v) { return tickLabel(v, ticks); });
      // A decade tick stays labelled in preference to the ticks between.
      var order = ticks.map(function (v, i) { return i; });
      if (log) {
        order.sort(function (i, j) {
          var di = Math.abs(Math.log10(ticks[i]) % 1) < 1e-9, dj = Math.abs(Math.log10(ticks[j]) % 1) < 1e-9;
          return (dj - di) || i - j;
        });
      }
      var kept = ticks.map(function () { return false; });
      var spans = [];
      order.forEach(function (i) {
        var size = vertical ? TICK_FONT_PX + 10 : textWidth(labels[i], font) + 12;
        var p = pos(ticks[i]), span = [p - size / 2, p + size / 2];
        var free = spans.every(function (s) { return span[1] <= s[0] || span[0] >= s[1]; });
        if (free) { spans.push(span); kept[i] = true; }
      });
      var count = kept.filter(Boolean).length;
      var result = { splits: ticks, labels: labels.map(function (l, i) { return kept[i] ? l : ""; }), count: count };
      if (count >= 3) return result;
      if (!best || count > best.count) best = result;
    }
    return best || { splits: [lo, hi], labels: [tickLabel(lo, [lo, hi]), tickLabel(hi, [lo, hi])], count: 2 };
  }

  // ------------------------------------------------------------------ plot

  // uPlot wants one x array shared by every series: the union of the
  // frame's x values, each series null where it has no point. A series with
  // several points at one x (markers stacked at one budget) becomes several
  // uPlot series with the same style.
  function aligned(frame, xlog, ylog) {
    var parts = [], byKey = {};
    frame.series.forEach(function (s, i) {
      var seen = {};
      for (var k = 0; k < s.x.length; k++) {
        var x = s.x[k], y = s.y[k];
        if (!usable(x, xlog) || !usable(y, ylog)) continue;
        if (s.style !== 2) {
          // A line through two points at one x (a vertical marker line): nudge
          // the second by a part in 10⁹, far below a pixel, so it stays one line.
          while (seen[x]) x = x + Math.abs(x) * 1e-9 + 1e-300;
          seen[x] = 1;
          if (!byKey[i]) { byKey[i] = { series: i, points: {} }; parts.push(byKey[i]); }
          byKey[i].points[x] = y;
          continue;
        }
        var key = i + ":" + (seen[x] = (seen[x] || 0) + 1);
        if (!byKey[key]) { byKey[key] = { series: i, points: {} }; parts.push(byKey[key]); }
        byKey[key].points[x] = y;
      }
    });
    var xs = {};
    parts.forEach(function (p) { Object.keys(p.points).forEach(function (x) { xs[x] = +x; }); });
    var xvals = Object.keys(xs).map(function (k) { return xs[k]; }).sort(function (a, b) { return a - b; });
    var columns = [xvals];
    parts.forEach(function (p) {
      columns.push(xvals.map(function (x) { return p.points.hasOwnProperty(x) ? p.points[x] : null; }));
    });
    return { parts: parts, data: columns };
  }

  function plotHeight(width) { return Math.round(Math.max(260, Math.min(420, width * 0.62))); }

  function makePlot(state) {
    var data = state.data, frame = state.frame, c = theme();
    var font = TICK_FONT_PX + "px " + c.font;
    var xr = state.hold && state.ranges ? state.ranges.x : fitRange(frame, "x", data.xlog);
    var yr = state.hold && state.ranges ? state.ranges.y : fitRange(frame, "y", data.ylog);
    state.ranges = { x: xr, y: yr };
    var al = aligned(frame, data.xlog, data.ylog);
    var ticks = {};
    function axisTicks(u, axisIdx) {
      var ratio = uPlot.pxRatio || 1;
      var px = axisIdx === 0 ? u.bbox.width / ratio : u.bbox.height / ratio;
      var r = axisIdx === 0 ? xr : yr;
      ticks[axisIdx] = chooseTicks(r[0], r[1], axisIdx === 0 ? data.xlog : data.ylog, px, axisIdx === 1, font);
      return ticks[axisIdx];
    }
    var series = [{}];
    al.parts.forEach(function (p) {
      var s = frame.series[p.series], color = COLORS[p.series % COLORS.length];
      series.push(s.style === 2
        ? { label: s.label, stroke: color, fill: color, width: 0, paths: function () { return null; },
            points: { show: true, size: 8, width: 1, stroke: color, fill: color, space: 0 } }
        : { label: s.label, stroke: color, width: 2.5, dash: s.style === 1 ? DASH : undefined, spanGaps: true,
            points: { show: false } });
    });
    var width = Math.max(200, state.plotBox.clientWidth), height = plotHeight(width);
    // An axis title longer than its side of the plot gets a smaller font (down to 10 px).
    function titleFont(label, room) {
      var px = LABEL_FONT_PX;
      while (px > 10 && textWidth(label, px + "px " + c.font) > room) px -= 1;
      return px + "px " + c.font;
    }
    var axis = function (label, axisIdx) {
      var room = axisIdx === 0 ? width - 90 : height - 70;
      return {
        stroke: c.text, font: font, labelFont: titleFont(label, room), label: label, labelSize: LABEL_FONT_PX + 8,
        labelGap: 0,
        grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1, size: 5 }, gap: 4,
        splits: function (u) { return axisTicks(u, axisIdx).splits; },
        values: function () { return (ticks[axisIdx] || { labels: [] }).labels; },
        size: axisIdx === 1
          ? function (u, values) {
              var w = 0;
              (values || []).forEach(function (v) { if (v) w = Math.max(w, textWidth(v, font)); });
              return Math.ceil(w + 5 + 4 + 4);
            }
          : TICK_FONT_PX + 5 + 4 + 6
      };
    };
    var opts = {
      width: width,
      height: height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      padding: [12, function (u) {
        var labels = (ticks[0] || { labels: [] }).labels.filter(Boolean);
        var last = labels.length ? textWidth(labels[labels.length - 1], font) : 0;
        return Math.ceil(Math.max(10, last / 2 + 4));
      }, 0, 0],
      scales: {
        x: { time: false, distr: data.xlog ? 3 : 1, log: 10, range: function () { return xr.slice(); } },
        y: { distr: data.ylog ? 3 : 1, log: 10, range: function () { return yr.slice(); } }
      },
      axes: [axis(data.xlabel, 0), axis(data.ylabel, 1)],
      series: series,
      hooks: {
        draw: [function (u) { drawNotes(u, frame, c, font); }],
        setCursor: [function (u) { hover(state, u); }]
      }
    };
    if (state.plot) state.plot.destroy();
    state.plot = new uPlot(opts, al.data, state.plotBox);
    state.plot.root.querySelector("canvas").setAttribute("aria-hidden", "true");
  }

  // Notes: a text beside its point, on the first side (above right, below
  // right, above left, below left) where it stays inside the plot and clear
  // of the notes already written.
  function drawNotes(u, frame, c, font) {
    if (!frame.notes.length) return;
    var ctx = u.ctx, ratio = uPlot.pxRatio || 1, b = u.bbox, placed = [];
    ctx.save();
    ctx.font = font.replace(/^(\d+)px/, function (m, px) { return Math.round(px * ratio) + "px"; });
    ctx.fillStyle = c.text;
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    frame.notes.forEach(function (n) {
      if (n.x === null || n.y === null) return;
      var x = u.valToPos(n.x, "x", true), y = u.valToPos(n.y, "y", true);
      if (!(x >= b.left && x <= b.left + b.width && y >= b.top && y <= b.top + b.height)) return;
      var w = ctx.measureText(n.text).width, gap = 5 * ratio, h = TICK_FONT_PX * ratio;
      var spots = [[x + gap, y - gap], [x + gap, y + gap + h], [x - gap - w, y - gap], [x - gap - w, y + gap + h]];
      var boxes = spots.map(function (s) {
        var left = Math.max(b.left + 2, Math.min(s[0], b.left + b.width - w - 2));
        var base = Math.max(b.top + h + 2, Math.min(s[1], b.top + b.height - 2));
        return { left: left, right: left + w, top: base - h, bottom: base + 0.25 * h, base: base };
      });
      var box = boxes.filter(function (r) {
        return placed.every(function (q) { return r.right < q.left || r.left > q.right || r.bottom < q.top || r.top > q.bottom; });
      })[0] || boxes[0];
      placed.push(box);
      ctx.fillText(n.text, box.left, box.base);
    });
    ctx.restore();
  }

  // Hover or tap: the data point nearest the pointer, with its values.
  function hover(state, u) {
    var left = u.cursor.left, top = u.cursor.top, out = state.hoverBox, dot = state.dot;
    if (left == null || left < 0) { dot.style.display = "none"; out.textContent = state.hoverHint; return; }
    var best = null;
    state.frame.series.forEach(function (s, i) {
      for (var k = 0; k < s.x.length; k++) {
        if (!usable(s.x[k], state.data.xlog) || !usable(s.y[k], state.data.ylog)) continue;
        var px = u.valToPos(s.x[k], "x"), py = u.valToPos(s.y[k], "y");
        // Markers sit on curves; within twice the distance of a curve's vertex, the marker is meant.
        var d = ((px - left) * (px - left) + (py - top) * (py - top)) / (s.style === 2 ? 4 : 1);
        if (!best || d < best.d) best = { d: d, i: i, x: s.x[k], y: s.y[k], px: px, py: py };
      }
    });
    if (!best || best.d > 60 * 60) { dot.style.display = "none"; out.textContent = state.hoverHint; return; }
    var s = state.frame.series[best.i];
    out.textContent = s.label + ": " + state.xname + " " + fmtValue(best.x, 3) + ", " + state.yname + " " +
                      fmtValue(best.y, 4);
    dot.style.display = "block";
    dot.style.transform = "translate(" + (best.px - 6) + "px," + (best.py - 6) + "px)";
    dot.style.borderColor = COLORS[best.i % COLORS.length];
  }

  function drawLegend(state) {
    var list = state.legend;
    list.innerHTML = "";
    state.frame.series.forEach(function (s, i) {
      var item = el("li", { "class": "sl-legend-item" }, list);
      item.appendChild(svgSwatch(COLORS[i % COLORS.length], s.style));
      el("span", {}, item, s.label);
    });
  }

  function drawNumbers(state) {
    var table = state.table;
    table.innerHTML = "";
    state.frame.numbers.forEach(function (n) {
      var tr = el("tr", {}, table);
      el("th", { scope: "row" }, tr, n.label);
      el("td", { "class": "sl-number", "data-key": n.key }, tr, n.text);
    });
  }

  // ------------------------------------------------------------------ address

  function readAddress(data) {
    var out = {};
    var m = new RegExp("[?&]" + data.name.replace(/-/g, "\\-") + "=([^&#]*)").exec(location.search);
    if (!m) return out;
    decodeURIComponent(m[1]).split(",").forEach(function (pair) {
      var i = pair.indexOf(":");
      if (i > 0) out[pair.slice(0, i)] = pair.slice(i + 1);
    });
    return out;
  }

  function address(state) {
    var data = state.data;
    var pairs = [];
    data.controls.forEach(function (c, i) {
      if (state.indices[i] !== c.default) pairs.push(c.name + ":" + c.keys[state.indices[i]]);
    });
    var params = location.search.replace(/^\?/, "").split("&").filter(function (p) {
      return p && p.split("=")[0] !== data.name;
    });
    if (pairs.length) params.push(data.name + "=" + pairs.join(","));
    return location.pathname + (params.length ? "?" + params.join("&") : "");
  }

  // ------------------------------------------------------------------ controls

  function buildControls(state, box) {
    var data = state.data;
    state.setters = [];
    data.controls.forEach(function (c, i) {
      var id = "sl-" + data.name + "-" + c.name;
      var unit = unitOf(c.label);
      var text = function (k) { return readable(c.texts[k]); };
      var row = el("div", { "class": "sl-control sl-" + c.widget }, box);
      if (c.widget === "switch") {
        var on = c.keys.indexOf("yes"), off = c.keys.indexOf("no");
        var label = el("label", { "class": "sl-switch-label", "for": id }, row);
        var input = el("input", { type: "checkbox", role: "switch", id: id, name: c.name, "data-control": c.name },
                       label);
        el("span", { "class": "sl-control-label" }, label, c.label);
        input.addEventListener("change", function () { state.set(i, input.checked ? on : off); });
        state.setters.push(function (k) { input.checked = k === on; });
      } else if (c.widget === "radio") {
        el("span", { "class": "sl-control-label", id: id + "-label" }, row, c.label);
        var group = el("div", { "class": "sl-radio-group", role: "radiogroup", id: id, "data-control": c.name,
                                "aria-labelledby": id + "-label" }, row);
        var radios = c.texts.map(function (t, k) {
          var option = el("label", { "class": "sl-radio-option" }, group);
          var r = el("input", { type: "radio", name: id, value: String(k), "data-control": c.name }, option);
          el("span", {}, option, text(k));
          r.addEventListener("change", function () { if (r.checked) state.set(i, k); });
          return r;
        });
        state.setters.push(function (k) { radios.forEach(function (r, j) { r.checked = j === k; }); });
      } else {
        el("label", { "class": "sl-control-label", "for": id }, row, c.label);
        var slider = el("input", { type: "range", id: id, min: 0, max: c.texts.length - 1, step: 1,
                                   name: c.name, "data-control": c.name }, row);
        var value = el("output", { "class": "sl-control-value", "for": id, "data-control": c.name }, row);
        slider.addEventListener("input", function () { state.set(i, parseInt(slider.value, 10)); });
        state.setters.push(function (k) {
          slider.value = String(k);
          value.textContent = text(k);
          slider.setAttribute("aria-valuetext", text(k) + (unit ? " " + unit : ""));
        });
      }
    });
  }

  function build(root) {
    var script = root.querySelector("script.sl-explorer-data");
    if (!script || typeof uPlot === "undefined") return;
    var data = JSON.parse(script.textContent);
    var state = { data: data, hold: false, ranges: null, plot: null,
                  xname: data.xlabel, yname: data.ylabel, hoverHint: "Hover over or tap the plot to read a point's values." };
    var wanted = readAddress(data);
    state.indices = data.controls.map(function (c) {
      var k = wanted.hasOwnProperty(c.name) ? c.keys.indexOf(wanted[c.name]) : -1;
      return k >= 0 ? k : c.default;
    });

    var controls = el("div", { "class": "sl-controls" }, root);
    buildControls(state, controls);
    var tools = el("div", { "class": "sl-tools" }, root);
    var reset = el("button", { type: "button", "class": "sl-reset" }, tools, "Reset");
    var holdLabel = el("label", { "class": "sl-switch-label sl-hold" }, tools);
    var hold = el("input", { type: "checkbox", role: "switch", "class": "sl-hold-axes" }, holdLabel);
    el("span", {}, holdLabel, "hold the axes");
    var link = el("a", { "class": "sl-link" }, tools, "link to this view");

    var body = el("div", { "class": "sl-body" }, root);
    var figure = el("figure", { "class": "sl-figure", role: "group", "aria-label": data.title }, body);
    el("figcaption", { "class": "sl-title" }, figure, data.title);
    state.plotBox = el("div", { "class": "sl-plot" }, figure);
    state.legend = el("ul", { "class": "sl-legend", "aria-label": "legend" }, figure);
    state.hoverBox = el("p", { "class": "sl-hover" }, figure, state.hoverHint);
    var readout = el("div", { "class": "sl-readout", "aria-live": "polite", "aria-atomic": "true" }, body);
    state.table = el("table", { "class": "sl-numbers" }, readout);
    state.dot = el("div", { "class": "sl-hover-dot" });

    state.render = function () {
      state.frame = frameAt(data, state.indices);
      state.setters.forEach(function (set, i) { set(state.indices[i]); });
      // Text first: the plot takes the width that the numbers leave it.
      drawLegend(state);
      drawNumbers(state);
      makePlot(state);
      state.plot.over.appendChild(state.dot);
      state.dot.style.display = "none";
      state.hoverBox.textContent = state.hoverHint;
      root.setAttribute("data-frame", state.indices.join("-"));
      link.setAttribute("href", address(state) + "#" + root.id);
    };
    state.set = function (i, k) {
      state.indices[i] = k;
      state.render();
      if (history.replaceState) history.replaceState(history.state, "", address(state) + location.hash);
    };
    reset.addEventListener("click", function () {
      state.indices = data.controls.map(function (c) { return c.default; });
      state.set(0, state.indices[0]);
    });
    hold.addEventListener("change", function () { state.hold = hold.checked; state.render(); });

    state.render();
    // The plot follows the width of the column (phone rotation, sidebar opened).
    if (typeof ResizeObserver !== "undefined") {
      var lastWidth = -1;
      new ResizeObserver(function () {
        var w = state.plotBox.clientWidth;
        if (Math.abs(w - lastWidth) < 2) return;
        lastWidth = w;
        state.plot.setSize({ width: Math.max(200, w), height: plotHeight(w) });
      }).observe(state.plotBox);
    }
    // Light/dark switch: canvas colours are read once per drawing, so redraw.
    new MutationObserver(function () { state.render(); })
      .observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    // For the browser tests: show a setting without going through the controls.
    root.slExplorer = { show: function (indices) { state.indices = indices.slice(); state.render(); },
                        state: state };
    root.classList.add("sl-ready");
  }

  function init() { document.querySelectorAll("div.sl-explorer").forEach(build); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
