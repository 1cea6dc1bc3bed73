/* Search result snippets show what a reader sees on the page (loaded on search.html only).
 *
 * Sphinx cuts each snippet from the page's HTML. Left alone it would show the
 * source of folded code cells and raw TeX such as "\(10^{-\alpha}\)". Folded
 * parts (<details class="hide">: "Show code cell source") and explorers are
 * dropped, and inline TeX is turned into plain text (Greek letters, ×, ≤ ...).
 */
(function () {
  "use strict";
  // Folded code, explorers, display math, solutions, and the page chrome inside <main>
  // (header buttons, download links, in-page contents, previous/next links).
  var HIDDEN = "details.hide, .sl-explorer, div.math, .solution.dropdown, .bd-header-article, " +
    ".sl-downloads, .prev-next-area, .bd-footer-article, .bd-footer-content, .bd-sidebar-secondary";
  var SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", eta: "η", theta: "θ",
    kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", phi: "φ",
    chi: "χ", psi: "ψ", omega: "ω", Delta: "Δ", Gamma: "Γ", Sigma: "Σ", Omega: "Ω",
    times: "×", cdot: "·", approx: "≈", propto: "∝", le: "≤", leq: "≤", ge: "≥", geq: "≥",
    sim: "~", infty: "∞", to: "→", pm: "±", ll: "≪", gg: "≫", log: "log", ln: "ln", exp: "exp"
  };

  function plainTeX(tex) {
    return tex
      .replace(/^\\\(|\\\)$/g, "")
      .replace(/\\(?:mathrm|text|operatorname|mathbf|mathit|boldsymbol|hat|bar|tilde)\s*\{([^{}]*)\}/g, "$1")
      .replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)")
      .replace(/\\([A-Za-z]+)/g, function (m, name) { return SYMBOLS.hasOwnProperty(name) ? SYMBOLS[name] : ""; })
      .replace(/\\[,;:! ]/g, " ")
      .replace(/[{}]/g, "")
      .replace(/\s+/g, " ")
      .trim();
  }

  function patch() {
    if (typeof Search === "undefined" || Search._slPatched) return;
    var original = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(HIDDEN).forEach(function (el) { el.remove(); });
      doc.querySelectorAll("span.math").forEach(function (el) {
        el.replaceWith(doc.createTextNode(plainTeX(el.textContent)));
      });
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search._slPatched = true;
  }

  // searchtools.js may come after this file; it starts searching on DOMContentLoaded.
  if (typeof Search !== "undefined") patch();
  document.addEventListener("DOMContentLoaded", patch);
})();
