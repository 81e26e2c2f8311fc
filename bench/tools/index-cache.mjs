// The 1M x 100 item vectors bench/index.mjs trains and caches under bench/scratch/index-data,
// for the index studies (index-settings.mjs, index-dot-norms.mjs): { dir, meta, floats(file) },
// floats reading input.f32 or output.f32 as a Float32Array. Exits naming the command that makes
// them when they are not there.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { mulberry32 } from './random.mjs';
import { REPO_ROOT as root } from './paths.mjs';


/** `count` rows of `rows` (`dim` floats each) drawn uniformly with replacement, seeded: the
 * studies' queries, the same every run. */
export function sampledRows(rows, dim, count, seed) {
  const n = rows.length / dim;
  const random = mulberry32(seed);
  const out = new Float32Array(count * dim);
  for (let q = 0; q < count; q++) {
    const row = Math.floor(random() * n);
    out.set(rows.subarray(row * dim, (row + 1) * dim), q * dim);
  }
  return out;
}

export function cachedItems(tool, items = 1_000_000) {
  const dataRoot = join(root, 'bench/scratch/index-data');
  const dirs = existsSync(dataRoot) ? readdirSync(dataRoot).filter((d) => d.startsWith('items-')) : [];
  const data = dirs
    .map((d) => ({ dir: join(dataRoot, d), meta: JSON.parse(readFileSync(join(dataRoot, d, 'meta.json'), 'utf8')) }))
    .find((d) => d.meta.params.items === items);
  if (!data) {
    console.error(`${tool}: no cached ${items} item vectors under bench/scratch/index-data: run \`node bench/index.mjs --data-only\` first`);
    process.exit(1);
  }
  const floats = (file) => {
    const bytes = readFileSync(join(data.dir, file));
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  };
  return { ...data, floats };
}
