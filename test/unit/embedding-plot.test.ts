/** plotEmbedding and embeddingLayout on small hand-made models (no training). */
import { describe, expect, it } from 'vitest';

import { Word2Vec } from '../../lib/model/model';
import { embeddingLayout, plotEmbedding } from '../../lib/plot/embedding-plot';
import { UNGROUPED_COLOUR } from '../../lib/plot/palette';
import { rng } from '../helpers';
import { findAll, parseXml, type XmlElement } from '../xml';

/** Words that need escaping or are not ASCII, and one whose bytes are not UTF-8. */
const AWKWARD = [`a&b<c>"d'e`, 'naïve', '日本語', 'x\x01y', '😀'];
const INVALID_KEY = 'ok\xff\xfe'; // bytes 6f 6b ff fe: shown as "ok\ufffd\ufffd"

/** A model of `size` words in two planted clusters (even ids near +c, odd near -c), `</s>` first. */
function model(size = 40, dim = 16): Word2Vec {
  const random = rng(21);
  const centre = Array.from({ length: dim }, () => random() - 0.5);
  const keys = ['</s>', ...AWKWARD.map((w) => Buffer.from(w, 'utf8').toString('latin1')), INVALID_KEY];
  while (keys.length < size) keys.push(`w${keys.length}`);
  const vectors = new Float32Array(size * dim);
  for (let i = 0; i < size; i++) {
    const side = i % 2 === 0 ? 1 : -1;
    for (let j = 0; j < dim; j++) vectors[i * dim + j] = side * centre[j]! + 0.05 * (random() - 0.5);
  }
  return new Word2Vec({ keys, dim, vectors });
}

/** The text of each label (<text> in the labels group), decoded. */
function labelTexts(svg: XmlElement): string[] {
  const group = findAll(svg, 'g').find((g) => g.attributes.class === 'labels');
  return group ? findAll(group, 'text').map((t) => t.text) : [];
}

/** Each point's hover title, decoded. */
function pointTitles(svg: XmlElement): string[] {
  return findAll(svg, 'circle').map((c) => findAll(c, 'title')[0]?.text ?? '');
}

/** How a word reads in the picture: control characters as their pictures (escapeXml). */
const shown = (w: string): string => w.replace(/[\x00-\x1f]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)));

describe('embeddingLayout', () => {
  it('takes the top words without </s>, or the given words in order', () => {
    const m = model();
    const top = embeddingLayout(m, { top: 5 });
    expect(top.words).toEqual(m.words.slice(1, 6));
    expect(top.ids).toEqual([1, 2, 3, 4, 5]);
    const chosen = embeddingLayout(m, { words: ['w10', 'naïve', 'w10', '</s>'] });
    expect(chosen.words).toEqual(['w10', 'naïve', '</s>']);
  });

  it('separates the planted clusters along the first axis, by PCA and by UMAP', () => {
    const m = model();
    for (const method of ['pca', 'umap'] as const) {
      const layout = embeddingLayout(m, { method, top: 39 });
      const even = layout.ids.map((id, i) => ({ id, x: layout.x[i]!, y: layout.y[i]! }));
      if (method === 'pca') {
        const sign = Math.sign(even[0]!.x) * (even[0]!.id % 2 === 0 ? 1 : -1);
        for (const p of even) expect(Math.sign(p.x)).toBe(sign * (p.id % 2 === 0 ? 1 : -1));
        expect(layout.explained![0]).toBeGreaterThan(0.9);
      } else {
        // UMAP: each point's nearest neighbour in the picture is from its own cluster.
        for (const p of even) {
          const nearest = even.filter((q) => q !== p).sort((a, b) => Math.hypot(a.x - p.x, a.y - p.y) - Math.hypot(b.x - p.x, b.y - p.y))[0]!;
          expect(nearest.id % 2).toBe(p.id % 2);
        }
      }
    }
  });

  it('rejects bad options with messages naming them', () => {
    const m = model();
    expect(() => embeddingLayout(m, { words: ['w10', 'nope', 'nix'] })).toThrow('words not in the vocabulary: "nope", "nix"');
    expect(() => embeddingLayout(m, { top: 0 })).toThrow('top must be an integer in [1, 1000000], got 0');
    expect(() => embeddingLayout(m, { method: 'tsne' as 'pca' })).toThrow('method must be "pca" or "umap", got "tsne"');
    expect(() => embeddingLayout(m, { colour: 1 } as object)).toThrow('unknown option "colour"');
    expect(() => embeddingLayout(m, { words: [] })).toThrow('words must name at least one word, got an empty list');
  });
});

describe('plotEmbedding', () => {
  const m = model();

  it('writes well-formed SVG with every word escaped, as a label and as a hover title', () => {
    const svg = plotEmbedding(m, { top: 12, labels: 'all', width: 1600, height: 1200 });
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    const words = m.words.slice(1, 13);
    expect(words).toContain('ok\ufffd\ufffd');
    expect(labelTexts(root).sort()).toEqual(words.map(shown).sort());
    expect(pointTitles(root).sort()).toEqual(words.map(shown).sort());
    expect(svg).toContain('a&amp;b&lt;c&gt;&quot;d&#39;e');
    expect(svg).not.toContain('\x01');
  });

  it('is deterministic, for PCA and for UMAP', () => {
    expect(plotEmbedding(m)).toBe(plotEmbedding(m));
    expect(plotEmbedding(m, { method: 'umap' })).toBe(plotEmbedding(m, { method: 'umap' }));
    expect(plotEmbedding(m, { method: 'umap', umap: { seed: 2 } })).not.toBe(plotEmbedding(m, { method: 'umap' }));
  });

  it('labels what fits by default, every point titled', () => {
    const root = parseXml(plotEmbedding(m, { width: 300, height: 200 }));
    expect(pointTitles(root)).toHaveLength(39);
    expect(labelTexts(root).length).toBeLessThan(39);
    expect(labelTexts(root).length).toBeGreaterThan(0);
    expect(labelTexts(parseXml(plotEmbedding(m, { labels: 'none' })))).toEqual([]);
  });

  for (const kind of ['map', 'function'] as const) {
    it(`colours by groups given as a ${kind}, with a legend`, () => {
      const table = new Map<string, string | number>([['w10', 'ten'], ['w11', 1], ['w12', 'ten'], ['naïve', 'other & "more"']]);
      const groups = kind === 'map' ? table : (w: string) => table.get(w);
      const root = parseXml(plotEmbedding(m, { groups }));
      const colourOf = new Map(findAll(root, 'circle').map((c) => [findAll(c, 'title')[0]!.text, c.attributes.fill!]));
      expect(colourOf.get('w10 (ten)')).toBe(colourOf.get('w12 (ten)'));
      const distinct = new Set([colourOf.get('w10 (ten)'), colourOf.get('w11 (1)'), colourOf.get('naïve (other & "more")'), colourOf.get('w13')]);
      expect(distinct.size).toBe(4);
      expect(colourOf.get('w13')).toBe(UNGROUPED_COLOUR);
      const legend = findAll(root, 'g').find((g) => g.attributes.class === 'legend')!;
      const entries = findAll(legend, 'text').map((t) => t.text);
      // Groups in order of first appearance among the drawn words (most frequent first).
      expect(entries).toEqual(['groups', 'other & "more"', 'ten', '1', '(no group)']);
      const swatches = findAll(legend, 'rect').map((r) => r.attributes.fill);
      expect(swatches).toEqual([colourOf.get('naïve (other & "more")'), colourOf.get('w10 (ten)'), colourOf.get('w11 (1)'), UNGROUPED_COLOUR]);
    });
  }

  it('writes a self-contained HTML page around the same kind of SVG', () => {
    const html = plotEmbedding(m, { format: 'html', groups: new Map([['w10', 'a']]) });
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).toMatch(/<meta charset="utf-8">/);
    // Nothing fetched from anywhere: no URLs, no src/href, no CSS imports or url().
    expect(html).not.toMatch(/https?:|\/\/[a-z]|\bsrc\s*=|\bhref\s*=|@import|url\(/i);
    const svg = html.slice(html.indexOf('<svg'), html.indexOf('</svg>') + 6);
    const root = parseXml(svg);
    expect(pointTitles(root)).toHaveLength(39);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('rejects bad options with messages naming them', () => {
    expect(() => plotEmbedding(m, { format: 'png' as 'svg' })).toThrow('format must be "svg" or "html", got "png"');
    expect(() => plotEmbedding(m, { labels: 'some' as 'all' })).toThrow('labels must be "auto", "all" or "none", got "some"');
    expect(() => plotEmbedding(m, { groups: {} as Map<string, string> })).toThrow('groups must be a Map or a function, got an object');
    expect(() => plotEmbedding(m, { groups: () => ({}) as string })).toThrow('groups must give a string or a number for a word, got an object for "a&b<c>\\"d\'e"');
    expect(() => plotEmbedding(m, { width: 10 })).toThrow('width must be an integer in [200, 20000], got 10');
  });
});
