#!/usr/bin/env python3
# A study for issue 15: how the 1M x 100 item input vectors bench/index.mjs caches spread, by
# frequency rank (the model's row order, most frequent first). Prints a markdown table: for
# rows in each band of ranks, the norm, the mean cosine between random pairs of rows within the
# band, and the mean cosine between a row and the row 16,384 ranks later (word2vec.c's initial
# weights repeat every 65,536 draws, so at dim 100 rows i and i + 16,384 start from the same
# vector: if training left rare rows near their start, these pairs would be closer than the
# rows 16,391 ranks later, which start elsewhere).
#
#   /usr/bin/python3 bench/tools/index-item-cone.py [--seed 1] > bench/results/studies/index-item-cone.md
#
# Needs numpy (Debian's python3-numpy) and the cached vectors (`node bench/index.mjs --data-only`).
import glob, json, os, sys
import numpy as np

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
seed = int(sys.argv[sys.argv.index('--seed') + 1]) if '--seed' in sys.argv else 1
dirs = [d for d in glob.glob(os.path.join(root, 'bench/scratch/index-data/items-*'))
        if json.load(open(os.path.join(d, 'meta.json')))['params']['items'] == 1_000_000]
if not dirs:
    sys.exit('index-item-cone: no cached 1M item vectors: run `node bench/index.mjs --data-only` first')
meta = json.load(open(os.path.join(dirs[0], 'meta.json')))
X = np.fromfile(os.path.join(dirs[0], 'input.f32'), dtype=np.float32).reshape(-1, 100)
n = X.shape[0]
norms = np.linalg.norm(X, axis=1)
U = X / norms[:, None]
rng = np.random.default_rng(seed)
bands = [(0, 1000), (1000, 10000), (10000, 100000), (100000, 300000), (300000, 600000), (600000, 900000), (900000, n - 16391)]
print('# How the 1M item vectors spread, by frequency rank (issue 15 study)\n')
print(f'{n:,} item2vec input vectors cached by bench/index.mjs ({meta["params"]["sessions"]:,} generated sessions, '
      f'{meta["itemsSeenUnder5"]:,} items seen fewer than 5 times); rank = row in the model (most frequent first). '
      f'Per band, 2000 random rows (seed {seed}): norm (median), mean cosine to 2000 random rows of the same band, and '
      'mean cosine to the row 16,384 ranks later (the same initial vector) against the row 16,391 ranks later (another one).\n')
print('| ranks | median norm | mean cosine within the band | cosine to rank + 16,384 | cosine to rank + 16,391 |')
print('| --- | ---: | ---: | ---: | ---: |')
for lo, hi in bands:
    r = rng.integers(lo, hi, 2000)
    s = rng.integers(lo, hi, 2000)
    within = float((U[r] * U[s]).sum(1).mean())
    same = float((U[r] * U[r + 16384]).sum(1).mean())
    other = float((U[r] * U[r + 16391]).sum(1).mean())
    print(f'| {lo:,}-{hi:,} | {np.median(norms[r]):.2f} | {within:.3f} | {same:.3f} | {other:.3f} |')
print(f'\nCommand: `/usr/bin/python3 bench/tools/index-item-cone.py{" --seed " + str(seed) if seed != 1 else ""}`; '
      f'numpy {np.__version__}; data {os.path.basename(dirs[0])}.')
