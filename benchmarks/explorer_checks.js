/* What a reader would check by eye on every frame of an explorer, done by the browser.
 *
 * Loaded before the page's own scripts (Playwright's add_init_script) by
 * tests/test_site.py and benchmarks/explorer_renderers.py. It records every
 * text drawn on a canvas, with its box in canvas pixels (from measureText
 * and the context's transform, so rotated axis titles count too), and
 * defines window.slCheckExplorer(root), which shows each frame of one
 * explorer in turn (root.slExplorer.show, the function its controls call)
 * and reports, per frame:
 *
 *   - text outside the canvas;
 *   - fewer than 3 labelled ticks on an axis, or tick labels that overlap;
 *   - a note written outside the plot area;
 *   - a legend that overlaps the plot area, or runs out of the explorer;
 *   - a series with no point inside the axes (a frame not drawn);
 *   - anything of the explorer wider than its box (text running off);
 *
 * and the time each redraw took.
 */
(() => {
  const records = [];
  window.slCanvasText = records;
  const proto = CanvasRenderingContext2D.prototype, fillText = proto.fillText;
  proto.fillText = function (text, x, y) {
    if (String(text).trim() !== "") {
      const m = this.measureText(text), t = this.getTransform();
      const corners = [];
      [x - m.actualBoundingBoxLeft, x + m.actualBoundingBoxRight].forEach(a =>
        [y - m.actualBoundingBoxAscent, y + m.actualBoundingBoxDescent].forEach(b =>
          corners.push(t.transformPoint(new DOMPoint(a, b)))));
      records.push({ canvas: this.canvas, text: String(text), fill: String(this.fillStyle),
                     rotated: Math.abs(t.b) > 1e-6 || Math.abs(t.c) > 1e-6,
                     left: Math.min(...corners.map(p => p.x)), right: Math.max(...corners.map(p => p.x)),
                     top: Math.min(...corners.map(p => p.y)), bottom: Math.max(...corners.map(p => p.y)) });
    }
    return fillText.apply(this, arguments);
  };

  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

  function usable(v, log) { return v !== null && isFinite(v) && (!log || v > 0); }

  // Problems of the frame on screen now (texts drawn since `from` in records).
  function inspect(root, from) {
    const state = root.slExplorer.state, data = state.data, u = state.plot;
    const canvas = root.querySelector(".sl-plot canvas");
    const problems = [];
    const drawn = records.slice(from).filter(r => r.canvas === canvas);
    const b = u.bbox, W = canvas.width, H = canvas.height, eps = 0.5;
    const plotArea = { left: b.left, right: b.left + b.width, top: b.top, bottom: b.top + b.height };
    drawn.forEach(r => {
      if (r.left < -eps || r.top < -eps || r.right > W + eps || r.bottom > H + eps)
        problems.push(`text "${r.text}" outside the canvas`);
    });
    const xTicks = drawn.filter(r => !r.rotated && r.text !== data.xlabel && r.top >= plotArea.bottom - 1);
    const yTicks = drawn.filter(r => !r.rotated && r.text !== data.ylabel && r.right <= plotArea.left + 1);
    const notes = drawn.filter(r => !xTicks.includes(r) && !yTicks.includes(r) && !r.rotated &&
                                    r.text !== data.xlabel && r.text !== data.ylabel);
    [["x", xTicks], ["y", yTicks]].forEach(([axis, ticks]) => {
      if (ticks.length < 3) problems.push(`${ticks.length} labelled ticks on the ${axis} axis`);
      for (let i = 0; i < ticks.length; i++)
        for (let j = i + 1; j < ticks.length; j++)
          if (overlap(ticks[i], ticks[j])) problems.push(`${axis} tick labels "${ticks[i].text}" and "${ticks[j].text}" overlap`);
    });
    notes.forEach(n => {
      if (n.left < plotArea.left - eps || n.right > plotArea.right + eps || n.top < plotArea.top - eps ||
          n.bottom > plotArea.bottom + eps) problems.push(`note "${n.text}" outside the plot area`);
    });
    if (!drawn.some(r => r.text === data.xlabel)) problems.push("no x-axis title");
    if (!drawn.some(r => r.text === data.ylabel)) problems.push("no y-axis title");
    // The legend (HTML) against the plot area (uPlot's overlay covers exactly it).
    const legend = root.querySelector(".sl-legend").getBoundingClientRect();
    const over = u.over.getBoundingClientRect(), box = root.getBoundingClientRect();
    if (overlap(legend, over)) problems.push("the legend overlaps the plot");
    if (legend.left < box.left - eps || legend.right > box.right + eps) problems.push("the legend runs out of the explorer");
    if (root.scrollWidth > root.clientWidth + 1) problems.push(`the explorer is ${root.scrollWidth - root.clientWidth} px too wide`);
    root.querySelectorAll(".sl-control-value, .sl-numbers, .sl-title, .sl-legend-item").forEach(e => {
      const r = e.getBoundingClientRect();
      if (r.right > box.right + eps || r.left < box.left - eps) problems.push(`"${e.textContent.slice(0, 40)}" runs out of the explorer`);
    });
    // Every series has a point inside the axes.
    const xr = state.ranges.x, yr = state.ranges.y;
    state.frame.series.forEach(s => {
      let inside = 0, any = 0;
      s.x.forEach((x, k) => {
        const y = s.y[k];
        if (!usable(x, data.xlog) || !usable(y, data.ylog)) return;
        any += 1;
        if (x >= xr[0] && x <= xr[1] && y >= yr[0] && y <= yr[1]) inside += 1;
      });
      if (any && !inside) problems.push(`series "${s.label}" has no point inside the axes`);
    });
    return { problems, xTicks: xTicks.length, yTicks: yTicks.length };
  }

  // Every frame of one explorer, in the order of its payload; `limit` frames at most (evenly spread).
  window.slCheckExplorer = async function (root, limit) {
    const data = root.slExplorer.state.data;
    const sizes = data.controls.map(c => c.texts.length);
    const total = sizes.reduce((a, b) => a * b, 1);
    const step = limit && limit < total ? (total - 1) / (limit - 1) : 1;
    const out = { name: data.name, frames: 0, total, problems: [], minXTicks: Infinity, minYTicks: Infinity,
                  redrawMs: [] };
    const seen = new Set();
    for (let f = 0; f < total; f += step) {
      const position = Math.round(f);
      if (seen.has(position)) continue;
      seen.add(position);
      const indices = [];
      let rest = position;
      for (let i = sizes.length - 1; i >= 0; i--) { indices.unshift(rest % sizes[i]); rest = Math.floor(rest / sizes[i]); }
      const from = records.length, t0 = performance.now();
      root.slExplorer.show(indices);
      await Promise.resolve();  // uPlot draws in a microtask
      out.redrawMs.push(performance.now() - t0);
      const r = inspect(root, from);
      out.frames += 1;
      out.minXTicks = Math.min(out.minXTicks, r.xTicks);
      out.minYTicks = Math.min(out.minYTicks, r.yTicks);
      r.problems.forEach(p => out.problems.push(`[${indices.join("-")}] ${p}`));
      records.length = 0;
    }
    root.slExplorer.show(data.controls.map(c => c.default));
    await Promise.resolve();
    return out;
  };
})();
