/**
 * A self-contained HTML page around an inline SVG plot: no network, hover shows a point's
 * word, the wheel zooms, dragging pans, a double click resets the view.
 * @packageDocumentation
 */
import { escapeXml } from './xml';

// Plain ES2017 for any current browser. Points' <title>s become data attributes, so the
// page's own tooltip shows at once instead of the browser's late one.
const SCRIPT = `
(function () {
  var svg = document.querySelector('#plot svg');
  var tip = document.getElementById('tip');
  if (!svg || !tip) return;
  svg.querySelectorAll('circle').forEach(function (c) {
    var t = c.querySelector('title');
    if (t) { c.setAttribute('data-word', t.textContent); t.remove(); }
  });
  var base = svg.getAttribute('viewBox').split(/\\s+/).map(Number);
  var view = base.slice();
  function apply() { svg.setAttribute('viewBox', view.join(' ')); }
  function toSvg(x, y) { return new DOMPoint(x, y).matrixTransform(svg.getScreenCTM().inverse()); }
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var p = toSvg(e.clientX, e.clientY), k = Math.exp(e.deltaY * 0.0015);
    view = [p.x - (p.x - view[0]) * k, p.y - (p.y - view[1]) * k, view[2] * k, view[3] * k];
    apply();
  }, { passive: false });
  var drag = null;
  svg.addEventListener('pointerdown', function (e) {
    drag = { start: toSvg(e.clientX, e.clientY), view: view.slice() };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener('pointermove', function (e) {
    if (drag) {
      var p = toSvg(e.clientX, e.clientY);
      view[0] -= p.x - drag.start.x; view[1] -= p.y - drag.start.y;
      apply();
    }
    var word = e.target.getAttribute && e.target.getAttribute('data-word');
    if (word !== null && word !== undefined && !drag) {
      tip.textContent = word;
      tip.style.left = (e.clientX + 12) + 'px';
      tip.style.top = (e.clientY + 12) + 'px';
      tip.hidden = false;
    } else {
      tip.hidden = true;
    }
  });
  svg.addEventListener('pointerup', function () { drag = null; });
  svg.addEventListener('pointerleave', function () { tip.hidden = true; });
  svg.addEventListener('dblclick', function () { view = base.slice(); apply(); });
})();
`;

const STYLE = `
body { margin: 0; padding: 16px; font-family: DejaVu Sans, Verdana, Arial, sans-serif; background: #f6f6f6; color: #222; }
#plot svg { max-width: 100%; height: auto; background: #fff; cursor: grab; touch-action: none; user-select: none; }
#plot svg:active { cursor: grabbing; }
#tip { position: fixed; padding: 2px 6px; background: #222; color: #fff; border-radius: 3px; font-size: 13px; pointer-events: none; white-space: pre; }
p.hint { color: #666; font-size: 13px; }
`;

/** Wraps an inline SVG (without xmlns) in a page. */
export function htmlPage(title: string, inlineSvg: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<div id="plot">${inlineSvg}</div>`,
    '<p class="hint">Hover a point for its word; wheel to zoom, drag to pan, double-click to reset.</p>',
    '<div id="tip" hidden></div>',
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
