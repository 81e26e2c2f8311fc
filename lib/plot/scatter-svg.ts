/**
 * A labelled 2D scatter plot as SVG: points coloured by group, a legend, labels placed so
 * that they do not overlap. Knows nothing of models; embedding-plot.ts feeds it.
 * @packageDocumentation
 */
import { placeLabels, type Box } from './labels';
import { textWidth } from './text-width';
import { escapeXml, num } from './xml';

/** One point of a scatter plot, in data coordinates. */
export interface ScatterPoint {
  x: number;
  y: number;
  /** Shown as the label and as the hover title. */
  label: string;
  colour: string;
  /** Its group's name, added to the hover title. */
  group?: string;
}

/** What {@link scatterSvg} draws. */
export interface ScatterSpec {
  /** Points in priority order: earlier points draw on top and keep their labels first. */
  points: readonly ScatterPoint[];
  legend: ReadonlyArray<{ label: string; colour: string }>;
  title: string;
  xTitle: string;
  yTitle: string;
  width: number;
  height: number;
  fontSize: number;
  labels: 'auto' | 'all' | 'none';
  /** Draw the lines x = 0 and y = 0 (centred data, as PCA's). */
  originLines: boolean;
  /** Omit the xmlns attribute (SVG inside an HTML page needs none). */
  inline?: boolean;
}

const POINT_RADIUS = 3.5;
const LEGEND_SWATCH = 10;
const LEGEND_MAX_CHARS = 28;

/** Renders a scatter plot. Equal scales on both axes, so distances in the picture mean something. */
export function scatterSvg(spec: ScatterSpec): string {
  const { width, height, fontSize } = spec;
  const legendWidth = spec.legend.length > 0 ? legendColumnWidth(spec.legend, fontSize) : 0;
  const frame: Box = { x0: 36, y0: 44, x1: width - 12 - legendWidth, y1: height - 40 };
  // Points keep off the frame by a label's height, so labels of points at the edge fit.
  const inset = fontSize + POINT_RADIUS + 4;
  const inner: Box = { x0: frame.x0 + inset, y0: frame.y0 + inset, x1: frame.x1 - inset, y1: frame.y1 - inset };
  const { toX, toY } = equalScales(spec.points, inner);
  const out: string[] = [];
  out.push(
    `<svg${spec.inline ? '' : ' xmlns="http://www.w3.org/2000/svg"'} width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Verdana, Arial, sans-serif" font-size="${fontSize}">`,
  );
  out.push(`<title>${escapeXml(spec.title)}</title>`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${num(frame.x0)}" y="28" font-size="${fontSize + 5}" font-weight="bold" fill="#222">${escapeXml(spec.title)}</text>`);
  out.push(
    `<rect x="${num(frame.x0)}" y="${num(frame.y0)}" width="${num(frame.x1 - frame.x0)}" height="${num(frame.y1 - frame.y0)}" ` +
      'fill="none" stroke="#c8c8c8"/>',
  );
  if (spec.originLines && spec.points.length > 0) {
    const x0 = toX(0);
    const y0 = toY(0);
    if (x0 > frame.x0 && x0 < frame.x1) out.push(`<line x1="${num(x0)}" y1="${num(frame.y0)}" x2="${num(x0)}" y2="${num(frame.y1)}" stroke="#ececec"/>`);
    if (y0 > frame.y0 && y0 < frame.y1) out.push(`<line x1="${num(frame.x0)}" y1="${num(y0)}" x2="${num(frame.x1)}" y2="${num(y0)}" stroke="#ececec"/>`);
  }
  const midX = (frame.x0 + frame.x1) / 2;
  const midY = (frame.y0 + frame.y1) / 2;
  out.push(`<text x="${num(midX)}" y="${num(height - 14)}" text-anchor="middle" fill="#444">${escapeXml(spec.xTitle)}</text>`);
  out.push(
    `<text x="${num(frame.x0 - 12)}" y="${num(midY)}" text-anchor="middle" fill="#444" ` +
      `transform="rotate(-90 ${num(frame.x0 - 12)} ${num(midY)})">${escapeXml(spec.yTitle)}</text>`,
  );
  const screen = spec.points.map((p) => ({ x: toX(p.x), y: toY(p.y), text: p.label }));
  // Later points first, so the earlier (more important) ones draw on top.
  out.push('<g class="points" stroke="#ffffff" stroke-width="0.8">');
  for (let i = spec.points.length - 1; i >= 0; i--) {
    const p = spec.points[i]!;
    const s = screen[i]!;
    const hover = p.group === undefined ? p.label : `${p.label} (${p.group})`;
    out.push(`<circle cx="${num(s.x)}" cy="${num(s.y)}" r="${POINT_RADIUS}" fill="${p.colour}"><title>${escapeXml(hover)}</title></circle>`);
  }
  out.push('</g>');
  if (spec.labels !== 'none') {
    const placed = placeLabels(screen, { fontSize, pointRadius: POINT_RADIUS, bounds: frame, mode: spec.labels });
    out.push(
      '<g class="labels" fill="#222" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" ' +
        'style="paint-order:stroke" pointer-events="none">',
    );
    placed.forEach((place, i) => {
      if (!place) return;
      const anchor = place.anchor === 'start' ? '' : ` text-anchor="${place.anchor}"`;
      out.push(`<text x="${num(place.x)}" y="${num(place.y)}"${anchor}>${escapeXml(spec.points[i]!.label)}</text>`);
    });
    out.push('</g>');
  }
  if (spec.legend.length > 0) out.push(legendSvg(spec.legend, frame.x1 + 16, frame.y0, frame.y1, fontSize));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Maps data to the box with one scale for both axes, centred. */
function equalScales(points: readonly ScatterPoint[], box: Box): { toX: (x: number) => number; toY: (y: number) => number } {
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  if (points.length === 0) minX = maxX = minY = maxY = 0;
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const scale = spanX === 0 && spanY === 0 ? 1 : Math.min(spanX > 0 ? w / spanX : Infinity, spanY > 0 ? h / spanY : Infinity);
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const mx = (box.x0 + box.x1) / 2;
  const my = (box.y0 + box.y1) / 2;
  // SVG's y grows downwards; data's upwards.
  return { toX: (x) => mx + (x - cx) * scale, toY: (y) => my - (y - cy) * scale };
}

function shorten(label: string): string {
  const chars = Array.from(label);
  return chars.length > LEGEND_MAX_CHARS ? chars.slice(0, LEGEND_MAX_CHARS - 1).join('') + '…' : label;
}

function legendColumnWidth(legend: ReadonlyArray<{ label: string }>, fontSize: number): number {
  const widest = Math.max(textWidth('groups', fontSize), ...legend.map((e) => textWidth(shorten(e.label), fontSize)));
  return Math.ceil(LEGEND_SWATCH + 6 + widest + 24);
}

function legendSvg(legend: ReadonlyArray<{ label: string; colour: string }>, x: number, top: number, bottom: number, fontSize: number): string {
  const line = Math.round(fontSize * 1.5);
  const fits = Math.max(1, Math.floor((bottom - top - line) / line));
  const shown = legend.length > fits ? legend.slice(0, fits - 1) : legend;
  const out = [`<g class="legend" fill="#222">`, `<text x="${num(x)}" y="${num(top + fontSize)}" font-weight="bold">groups</text>`];
  shown.forEach((entry, i) => {
    const y = top + line * (i + 1);
    out.push(
      `<rect x="${num(x)}" y="${num(y + fontSize * 0.1)}" width="${LEGEND_SWATCH}" height="${LEGEND_SWATCH}" fill="${entry.colour}"/>` +
        `<text x="${num(x + LEGEND_SWATCH + 6)}" y="${num(y + fontSize * 0.9)}">${escapeXml(shorten(entry.label))}` +
        `<title>${escapeXml(entry.label)}</title></text>`,
    );
  });
  if (shown.length < legend.length) {
    out.push(`<text x="${num(x)}" y="${num(top + line * (shown.length + 1) + fontSize * 0.9)}" fill="#666">… ${legend.length - shown.length} more</text>`);
  }
  out.push('</g>');
  return out.join('\n');
}
