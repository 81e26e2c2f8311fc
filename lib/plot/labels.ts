/**
 * Label placement for scatter plots: each label tries eight spots around its point, in order
 * of preference, and takes the first that stays inside the frame and covers no other label or
 * point. Labels are placed in priority order, so the most important words keep theirs.
 * @packageDocumentation
 */
import { textWidth } from './text-width';

/** An axis-aligned rectangle. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A point to label, in picture coordinates. */
export interface LabelPoint {
  x: number;
  y: number;
  text: string;
}

/** Where a label's text goes: its anchor and baseline, as SVG's text element takes them. */
export interface LabelPlacement {
  x: number;
  y: number;
  anchor: 'start' | 'middle' | 'end';
  box: Box;
}

/** Options of {@link placeLabels}. */
export interface LabelLayoutOptions {
  fontSize: number;
  pointRadius: number;
  /** Labels stay inside this box. */
  bounds: Box;
  /** 'auto' leaves out labels that would overlap; 'all' places every label where it overlaps least. */
  mode: 'auto' | 'all';
}

/** Boxes hashed into square cells, so overlap queries look at nearby boxes only. */
class BoxGrid {
  private readonly cells = new Map<number, Box[]>();
  constructor(private readonly cell: number) {}

  private *keys(b: Box): Generator<number> {
    const c = this.cell;
    for (let cx = Math.floor(b.x0 / c); cx <= Math.floor(b.x1 / c); cx++) {
      for (let cy = Math.floor(b.y0 / c); cy <= Math.floor(b.y1 / c); cy++) yield cx * 1_000_003 + cy;
    }
  }

  add(b: Box): void {
    for (const k of this.keys(b)) {
      const list = this.cells.get(k);
      if (list) list.push(b);
      else this.cells.set(k, [b]);
    }
  }

  /** Total area of `b` covered by stored boxes (a box in several cells is counted once), skipping `ignore`. */
  overlap(b: Box, ignore?: Box): number {
    const seen = new Set<Box>();
    let area = 0;
    for (const k of this.keys(b)) {
      for (const o of this.cells.get(k) ?? []) {
        if (o === ignore || seen.has(o)) continue;
        seen.add(o);
        const w = Math.min(b.x1, o.x1) - Math.max(b.x0, o.x0);
        const h = Math.min(b.y1, o.y1) - Math.max(b.y0, o.y0);
        if (w > 0 && h > 0) area += w * h;
      }
    }
    return area;
  }
}

/**
 * Places the labels of `points` (in priority order: earlier points win). Returns a placement
 * for each point, or undefined where mode 'auto' left the label out.
 */
export function placeLabels(points: readonly LabelPoint[], options: LabelLayoutOptions): (LabelPlacement | undefined)[] {
  const { fontSize, pointRadius: r, bounds, mode } = options;
  const grid = new BoxGrid(Math.max(16, fontSize * 3));
  const pointBoxes = points.map((p) => ({ x0: p.x - r, y0: p.y - r, x1: p.x + r, y1: p.y + r }));
  for (const b of pointBoxes) grid.add(b);
  const gap = 2;
  const ascent = 0.8 * fontSize;
  const descent = 0.22 * fontSize;
  const diagonal = r * 0.75 + gap;
  return points.map((p, i) => {
    const width = textWidth(p.text, fontSize);
    const candidates: Array<Omit<LabelPlacement, 'box'>> = [
      { x: p.x + r + gap, y: p.y + 0.32 * fontSize, anchor: 'start' },
      { x: p.x - r - gap, y: p.y + 0.32 * fontSize, anchor: 'end' },
      { x: p.x + diagonal, y: p.y - diagonal - descent, anchor: 'start' },
      { x: p.x + diagonal, y: p.y + diagonal + ascent, anchor: 'start' },
      { x: p.x - diagonal, y: p.y - diagonal - descent, anchor: 'end' },
      { x: p.x - diagonal, y: p.y + diagonal + ascent, anchor: 'end' },
      { x: p.x, y: p.y - r - gap - descent, anchor: 'middle' },
      { x: p.x, y: p.y + r + gap + ascent, anchor: 'middle' },
    ];
    let best: LabelPlacement | undefined;
    let bestOverlap = Infinity;
    for (const c of candidates) {
      const x0 = c.anchor === 'start' ? c.x : c.anchor === 'end' ? c.x - width : c.x - width / 2;
      const box = { x0, y0: c.y - ascent, x1: x0 + width, y1: c.y + descent };
      if (box.x0 < bounds.x0 || box.x1 > bounds.x1 || box.y0 < bounds.y0 || box.y1 > bounds.y1) continue;
      const overlap = grid.overlap(box, pointBoxes[i]);
      if (overlap < bestOverlap) {
        best = { ...c, box };
        bestOverlap = overlap;
        if (overlap === 0) break;
      }
    }
    if (best === undefined && mode === 'all') {
      // No spot inside the frame (a label wider than the frame): the first one, clipped.
      const c = candidates[0]!;
      best = { ...c, box: { x0: c.x, y0: c.y - ascent, x1: c.x + width, y1: c.y + descent } };
      bestOverlap = 0;
    }
    if (best === undefined || (mode === 'auto' && bestOverlap > 0)) return undefined;
    grid.add(best.box);
    return best;
  });
}
