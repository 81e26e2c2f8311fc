/** The small pieces of the pictures: XML escaping, label placement, ticks, colours. */
import { describe, expect, it } from 'vitest';

import { placeLabels, type Box } from '../../lib/plot/labels';
import { groupColour } from '../../lib/plot/palette';
import { niceTicks, siTickLabels, tickLabel } from '../../lib/plot/ticks';
import { escapeXml, num } from '../../lib/plot/xml';
import { rng } from '../helpers';
import { parseXml } from '../xml';

describe('escapeXml', () => {
  it('escapes markup characters and keeps other text', () => {
    expect(escapeXml(`a&b<c>"d'e`)).toBe('a&amp;b&lt;c&gt;&quot;d&#39;e');
    expect(escapeXml('naïve 日本語 😀')).toBe('naïve 日本語 😀');
  });

  it('makes characters XML cannot hold visible instead', () => {
    expect(escapeXml('a\x01b\tc')).toBe('a\u2401b\u2409c');
    expect(escapeXml('x\ud800y\udc00z\uffff')).toBe('x\ufffdy\ufffdz\ufffd');
    const nasty = 'a\x00\x1f\ud83d&<\ud83d\ude00';
    expect(parseXml(`<t>${escapeXml(nasty)}</t>`).text).toBe('a\u2400\u241f\ufffd&<\ud83d\ude00');
  });

  it('writes short numbers', () => {
    expect([num(1.005), num(2), num(-0.001), num(3.14159, 3)]).toEqual(['1', '2', '0', '3.142']);
  });
});

describe('placeLabels', () => {
  const bounds: Box = { x0: 0, y0: 0, x1: 400, y1: 300 };
  const random = rng(9);
  const points = Array.from({ length: 200 }, (_, i) => ({ x: 20 + 360 * random(), y: 20 + 260 * random(), text: `word${i}` }));

  it("'auto' places labels inside the bounds without overlaps, earlier points first", () => {
    const placed = placeLabels(points, { fontSize: 11, pointRadius: 3, bounds, mode: 'auto' });
    const boxes = placed.flatMap((p) => (p ? [p.box] : []));
    expect(boxes.length).toBeGreaterThan(20);
    expect(boxes.length).toBeLessThan(points.length);
    expect(placed[0]).toBeDefined();
    for (const b of boxes) {
      expect(b.x0).toBeGreaterThanOrEqual(0);
      expect(b.x1).toBeLessThanOrEqual(400);
      expect(b.y0).toBeGreaterThanOrEqual(0);
      expect(b.y1).toBeLessThanOrEqual(300);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!, b = boxes[j]!;
        const overlap = Math.min(a.x1, b.x1) > Math.max(a.x0, b.x0) && Math.min(a.y1, b.y1) > Math.max(a.y0, b.y0);
        expect(overlap).toBe(false);
      }
    }
  });

  it("'all' places every label", () => {
    const placed = placeLabels(points, { fontSize: 11, pointRadius: 3, bounds, mode: 'all' });
    expect(placed.every((p) => p !== undefined)).toBe(true);
  });

  it('moves a label at the right edge to the left of its point', () => {
    const [p] = placeLabels([{ x: 395, y: 150, text: 'edge' }], { fontSize: 11, pointRadius: 3, bounds, mode: 'auto' });
    expect(p?.anchor).toBe('end');
    expect(p!.box.x1).toBeLessThanOrEqual(395);
  });
});

describe('ticks', () => {
  it('picks round steps covering the range', () => {
    expect(niceTicks(0, 3.8, 4)).toEqual({ values: [0, 1, 2, 3, 4], step: 1, lo: 0, hi: 4 });
    const t = niceTicks(1.93, 3.46, 5);
    expect(t.step).toBe(0.5);
    expect(t.values).toEqual([1.5, 2, 2.5, 3, 3.5]);
    expect(niceTicks(0, 0.3, 3).values).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(2, 2).values.length).toBeGreaterThan(1);
  });

  it('labels with the decimals the step needs, rates in k or M', () => {
    expect(tickLabel(0.5, 0.5)).toBe('0.5');
    expect(tickLabel(2, 0.5)).toBe('2.0');
    expect(tickLabel(200, 100)).toBe('200');
    expect(siTickLabels(niceTicks(0, 2.4e6, 5))).toEqual(['0', '0.5M', '1.0M', '1.5M', '2.0M', '2.5M']);
    expect(siTickLabels(niceTicks(0, 800e3, 4))).toEqual(['0', '200k', '400k', '600k', '800k']);
  });
});

describe('groupColour', () => {
  it('gives 100 groups 100 different colours', () => {
    const colours = Array.from({ length: 100 }, (_, i) => groupColour(i));
    expect(new Set(colours).size).toBe(100);
  });
});
