#!/usr/bin/python3
"""Bounds, by calculation on en-8m, on the two candidates for the skip-gram quality gap that
quality-gap.md left untested (issue 18): word2vec.c's unigram table (1e8 entries) against
our exact distribution for the negatives, and its sentences cut at 1000 kept words.

    python3 bench/tools/quality-gap-bounds.py [../shared/data/corpus/en-8m.txt.gz]
"""
import gzip, sys, collections, os
import numpy as np

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data', 'corpus', 'en-8m.txt.gz')
MIN_COUNT, SAMPLE, POWER, TABLE, WINDOW, MAX_SENTENCE = 5, 1e-4, 0.75, int(1e8), 5, 1000

counts = collections.Counter()
lengths = []
with gzip.open(path, 'rt') as f:
    lines = [line.split() for line in f]
for words in lines:
    counts.update(words)
# The original's vocabulary: </s> first (one per line), then words of count >= MIN_COUNT by count.
vocab = [w for w, c in counts.most_common() if c >= MIN_COUNT]
cn = np.array([len(lines)] + [counts[w] for w in vocab], dtype=np.float64)
V = len(cn)
train_words = cn.sum()

# Negatives. word2vec.c: table[a] = i, moving to the next word once a / 1e8 passes the cumulative
# share; a draw of </s> (index 0) is redrawn uniformly over the other words.
share = cn ** POWER / (cn ** POWER).sum()
assert (share * TABLE).min() > 2, 'a word under 2 entries: the table fill below would not be exact'
cum = np.cumsum(share)
ends = np.floor(cum * TABLE).astype(np.int64) + 1      # first entry after word i's run
ends[-1] = TABLE
entries = np.diff(np.concatenate([[0], ends]))
q = entries / TABLE
q_table = q[1:] + q[0] / (V - 1)
p_exact = share[1:] + share[0] / (V - 1)               # ours: the alias table's exact share
tv = 0.5 * np.abs(q_table - p_exact).sum()
rel = np.abs(q_table / p_exact - 1)
print(f'vocabulary {V} (with </s>), {int(train_words)} training words')
print(f'negatives: total variation between the original\'s table and the exact distribution {tv:.2e}; '
      f'largest relative difference of one word\'s probability {rel.max():.2e} (rarest words: {rel[-1000:].mean():.2e} on average)')

# Sentences. Keep probability as word2vec.c's subsampling; expected kept words per line.
keep = np.minimum(1.0, (np.sqrt(cn / (SAMPLE * train_words)) + 1) * (SAMPLE * train_words) / cn)
index = {w: i + 1 for i, w in enumerate(vocab)}
kept_total, cuts, long_lines, raw_over = 0.0, 0.0, 0, 0
for words in lines:
    k = sum(keep[index[w]] for w in words if w in index)
    kept_total += k
    if k > MAX_SENTENCE:
        long_lines += 1
        cuts += int(k // MAX_SENTENCE)
    if len(words) > 10000:
        raw_over += 1
# A cut removes, at most, the pairs whose window spans it: with the window's random shrink
# (span b uniform in 1..WINDOW), sum over b of b (b + 1) / 2 per side / WINDOW, both sides.
lost_per_cut = 2 * sum(b * (b + 1) / 2 for b in range(1, WINDOW + 1)) / WINDOW
pairs = kept_total * 2 * (WINDOW + 1) / 2
print(f'sentences: {long_lines} lines of {len(lines)} expect over {MAX_SENTENCE} kept words, {cuts:.0f} cuts per epoch; '
      f'at most {cuts * lost_per_cut:.0f} skip-gram pairs of {pairs:.3g} a epoch ({cuts * lost_per_cut / pairs:.1e}) differ; '
      f'{raw_over} lines over 10,000 raw words (our cut)')
