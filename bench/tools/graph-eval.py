#!/usr/bin/python3
"""Quality of node vectors for bench/graph.mjs, the same code for ours and PecanPy's
(Debian's python3-numpy and python3-sklearn).

    /usr/bin/python3 bench/tools/graph-eval.py VECTORS [--labels LABELS] [--pairs PAIRS]
                                               [--splits 5] [--seed 1]

VECTORS: word2vec text format (a "count dim" line, then "node v1 v2 ..."). Prints JSON on stdout.

--labels FILE ("node<TAB>label" a line): node classification. Each split trains one-vs-rest
  logistic regression (lbfgs, C = 1, 2 jobs) on a random half of the labelled nodes, stratified by
  label, and predicts the other half; Macro-F1 and Micro-F1 over the predicted half, mean and
  standard deviation over the splits. Vectors are L2-normalised first (the two programs'
  vectors differ in scale, which would otherwise change the regularisation's effect).
--pairs FILE ("u<TAB>v<TAB>1|0" a line: held-out edges and sampled non-edges): link prediction.
  Features: the Hadamard product of the two nodes' L2-normalised vectors. Each split trains
  logistic regression (lbfgs, C = 1) on a random half of the pairs, stratified, and scores ROC
  AUC on the other half; mean and standard deviation over the splits.
A node without a vector (none in the bench's graphs: every node keeps an edge) gets zeros and
is counted in "missing".
"""
import argparse
import json
import sys

import numpy as np


def read_vectors(path):
    with open(path, encoding="utf8", errors="replace") as f:
        count, dim = (int(x) for x in f.readline().split())
        ids = []
        rows = np.empty((count, dim), dtype=np.float32)
        for i, line in enumerate(f):
            if i >= count:
                break
            parts = line.rstrip().split(" ")
            ids.append(parts[0])
            rows[i] = np.asarray(parts[1:dim + 1], dtype=np.float32)
    rows = rows[:len(ids)]
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return {node: i for i, node in enumerate(ids)}, rows / norms, dim


def lookup(index, rows, dim, nodes):
    out = np.zeros((len(nodes), dim), dtype=np.float32)
    missing = 0
    for i, node in enumerate(nodes):
        j = index.get(node)
        if j is None:
            missing += 1
        else:
            out[i] = rows[j]
    return out, missing


def read_columns(path, columns):
    with open(path, encoding="utf8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return [[r[c] for r in rows] for c in range(columns)]


def mean_std(values):
    return float(np.mean(values)), float(np.std(values))


def classify(index, rows, dim, labels_path, splits, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedShuffleSplit
    from sklearn.multiclass import OneVsRestClassifier
    nodes, labels = read_columns(labels_path, 2)
    x, missing = lookup(index, rows, dim, nodes)
    y = np.asarray(labels)
    # Stratified halves need every label twice; a label seen once goes to training.
    values, counts = np.unique(y, return_counts=True)
    macro, micro = [], []
    sss = StratifiedShuffleSplit(n_splits=splits, test_size=0.5, random_state=seed)
    strat = np.where(np.isin(y, values[counts < 2]), "__rare__", y)
    for train, test in sss.split(x, strat):
        # lbfgs leaves the intercept unpenalised (liblinear does not) and was the faster of the two on 300 labels.
        model = OneVsRestClassifier(LogisticRegression(solver="lbfgs", C=1.0, max_iter=1000), n_jobs=2)
        model.fit(x[train], y[train])
        pred = model.predict(x[test])
        macro.append(f1_score(y[test], pred, average="macro"))
        micro.append(f1_score(y[test], pred, average="micro"))
    m, ms = mean_std(macro)
    u, us = mean_std(micro)
    return {"macroF1": m, "macroF1Std": ms, "microF1": u, "microF1Std": us, "splits": splits,
            "nodes": len(nodes), "labels": int(len(values)), "missing": missing}


def link_prediction(index, rows, dim, pairs_path, splits, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedShuffleSplit
    us, vs, labels = read_columns(pairs_path, 3)
    xu, missing_u = lookup(index, rows, dim, us)
    xv, missing_v = lookup(index, rows, dim, vs)
    x = xu * xv
    y = np.asarray(labels, dtype=np.int64)
    aucs = []
    sss = StratifiedShuffleSplit(n_splits=splits, test_size=0.5, random_state=seed)
    for train, test in sss.split(x, y):
        model = LogisticRegression(solver="lbfgs", C=1.0, max_iter=1000)
        model.fit(x[train], y[train])
        aucs.append(roc_auc_score(y[test], model.decision_function(x[test])))
    a, s = mean_std(aucs)
    return {"auc": a, "aucStd": s, "splits": splits, "pairs": int(len(y)), "positives": int(y.sum()),
            "missing": missing_u + missing_v}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("vectors")
    ap.add_argument("--labels")
    ap.add_argument("--pairs")
    ap.add_argument("--splits", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    index, rows, dim = read_vectors(a.vectors)
    out = {"vectors": len(index), "dim": dim}
    if a.labels:
        out["classification"] = classify(index, rows, dim, a.labels, a.splits, a.seed)
    if a.pairs:
        out["linkPrediction"] = link_prediction(index, rows, dim, a.pairs, a.splits, a.seed)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
