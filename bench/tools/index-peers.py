#!/usr/bin/python3
"""Peers of bench/index.mjs: hnswlib and FAISS's IndexHNSWFlat (Debian's python3-hnswlib and
python3-faiss) on the same vectors, queries and ground truth, with the same threads, M,
efConstruction and ef sweep.

    /usr/bin/python3 bench/tools/index-peers.py MANIFEST.json
    /usr/bin/python3 bench/tools/index-peers.py --serve MANIFEST.json   (see serve())

The manifest (written by bench/index.mjs): threads, M, efConstruction, efs, k, reps, minSeconds, libs, and
datasets [{ name, space: 'cosine' | 'ip', base, queries, gt, shuffledVariant }] (.npy files:
float32 rows, float32 queries, int32 exact top-k ids). hnswlib inserts the rows in their order
(ids 0..n-1, as ours does); with shuffledVariant it also runs as "hnswlib-shuffled", the same
rows and ids inserted in a random order (its recall depends on the order on some data). Cosine: rows and queries normalized, inner-product
index. Per library and dataset: build seconds, RSS growth over the build (the index's memory,
roughly), and per ef recall@k against the ground truth and QPS (queries / wall time of one
batched search over all queries, best of `reps` or more, repeated for at least `minSeconds` in all). Prints JSON on stdout, progress on stderr.
"""
import gc
import json
import sys
import time

import numpy as np


def log(msg):
    print(f"[index-peers] {msg}", file=sys.stderr, flush=True)


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def recall(found, truth, k):
    hits = 0
    for a, b in zip(found, truth):
        hits += len(set(a[:k].tolist()) & set(b[:k].tolist()))
    return hits / (len(truth) * k)


def best_time(m, search):
    """The best wall time of search() over at least m["reps"] runs, more until m["minSeconds"]
    have passed in all (as bench/index.mjs times ours), and the last run's result."""
    best, spent, runs, result = float("inf"), 0.0, 0, None
    while runs < m["reps"] or spent < m.get("minSeconds", 0):
        t = time.perf_counter()
        result = search()
        took = time.perf_counter() - t
        best, spent, runs = min(best, took), spent + took, runs + 1
    return best, result


def normalized(x):
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1
    return np.ascontiguousarray(x / n, dtype=np.float32)


def build_hnswlib(m, base, shuffled=False):
    """An hnswlib index of `base`, its build seconds and the RSS growth over the build."""
    import hnswlib
    n, dim = base.shape
    # Rows go in in their order (ids 0..n-1, as ours are), or in a random order (same ids).
    ids = np.random.RandomState(1).permutation(n) if shuffled else np.arange(n)
    rows = np.ascontiguousarray(base[ids]) if shuffled else base
    before = rss_bytes()
    t = time.perf_counter()
    index = hnswlib.Index(space="ip", dim=dim)
    index.init_index(max_elements=n, ef_construction=m["efConstruction"], M=m["M"])
    index.set_num_threads(m["threads"])
    index.add_items(rows, ids, num_threads=m["threads"])
    build = time.perf_counter() - t
    grown = rss_bytes() - before
    del rows
    return index, build, grown


def run_hnswlib(m, base, queries, truth, shuffled=False):
    index, build, grown = build_hnswlib(m, base, shuffled)
    curve = []
    index.set_ef(max(m["efs"][0], m["k"]))
    index.knn_query(queries[:100], k=m["k"], num_threads=m["threads"])  # warm-up
    for ef in m["efs"]:
        index.set_ef(ef)
        best, (labels, _) = best_time(m, lambda: index.knn_query(queries, k=m["k"], num_threads=m["threads"]))
        r = recall(labels, truth, m["k"])
        curve.append({"ef": ef, "recall": r, "qps": len(queries) / best, "seconds": best})
        log(f"hnswlib{' (shuffled)' if shuffled else ''} ef {ef:3d}  recall@{m['k']} {r:.4f}  {len(queries) / best:.0f} QPS")
    del index
    gc.collect()
    return {"buildSeconds": build, "rssGrowthBytes": grown, "curve": curve}


def run_faiss(m, base, queries, truth):
    import faiss
    faiss.omp_set_num_threads(m["threads"])
    n, dim = base.shape
    before = rss_bytes()
    t = time.perf_counter()
    index = faiss.IndexHNSWFlat(dim, m["M"], faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = m["efConstruction"]
    index.add(base)
    build = time.perf_counter() - t
    grown = rss_bytes() - before
    curve = []
    index.hnsw.efSearch = max(m["efs"][0], m["k"])
    index.search(queries[:100], m["k"])  # warm-up
    for ef in m["efs"]:
        index.hnsw.efSearch = ef
        best, (_, labels) = best_time(m, lambda: index.search(queries, m["k"]))
        r = recall(labels, truth, m["k"])
        curve.append({"ef": ef, "recall": r, "qps": len(queries) / best, "seconds": best})
        log(f"faiss ef {ef:3d}  recall@{m['k']} {r:.4f}  {len(queries) / best:.0f} QPS")
    del index
    gc.collect()
    return {"buildSeconds": build, "rssGrowthBytes": grown, "curve": curve}


def serve(m):
    """For bench/tools/index-peer-ab.mjs: builds hnswlib over m["base"] (raw float32 rows,
    cosine), prints {"buildSeconds"}, then for each line "EF" on stdin times one search of
    m["queries"] at that ef (best_time) and prints {"ef", "qps", "recall"} against m["gt"]
    (raw int32, k per query)."""
    base = normalized(np.fromfile(m["base"], dtype=np.float32).reshape(-1, m["dim"]))
    queries = normalized(np.fromfile(m["queries"], dtype=np.float32).reshape(-1, m["dim"]))
    truth = np.fromfile(m["gt"], dtype=np.int32).reshape(-1, m["k"])
    index, build, _ = build_hnswlib(m, base, m.get("shuffled", False))
    del base
    gc.collect()
    print(json.dumps({"buildSeconds": build}), flush=True)
    for line in sys.stdin:
        ef = int(line)
        index.set_ef(ef)
        best, (labels, _) = best_time(m, lambda: index.knn_query(queries, k=m["k"], num_threads=m["threads"]))
        print(json.dumps({"ef": ef, "qps": len(queries) / best, "recall": recall(labels, truth, m["k"])}), flush=True)


def main():
    if sys.argv[1] == "--serve":
        serve(json.load(open(sys.argv[2])))
        return
    m = json.load(open(sys.argv[1]))
    versions = {"numpy": np.__version__}
    runners = {}
    if "hnswlib" in m["libs"]:
        import hnswlib  # noqa: F401
        try:
            from importlib.metadata import version
            versions["hnswlib"] = version("hnswlib")
        except Exception:
            versions["hnswlib"] = "unknown"
        runners["hnswlib"] = run_hnswlib
        # hnswlib is sensitive to the order rows go in: also in a random order, where asked.
        runners["hnswlib-shuffled"] = lambda m, b, q, t: run_hnswlib(m, b, q, t, shuffled=True)
    if "faiss" in m["libs"]:
        import faiss
        versions["faiss"] = getattr(faiss, "__version__", "unknown")
        runners["faiss"] = run_faiss
    results = {lib: {} for lib in runners}
    for d in m["datasets"]:
        base = np.load(d["base"])
        queries = np.load(d["queries"])
        truth = np.load(d["gt"])
        if d["space"] == "cosine":
            base, queries = normalized(base), normalized(queries)
        else:
            base, queries = np.ascontiguousarray(base), np.ascontiguousarray(queries)
        for lib, run in runners.items():
            if lib == "hnswlib-shuffled" and not d.get("shuffledVariant"):
                continue
            log(f"{lib}: {d['name']} ({base.shape[0]} x {base.shape[1]}, {d['space']}), building with {m['threads']} threads")
            try:
                results[lib][d["name"]] = run(m, base, queries, truth)
                log(f"{lib}: {d['name']} built in {results[lib][d['name']]['buildSeconds']:.1f} s")
            except Exception as e:  # a peer that fails is reported, the others go on
                log(f"{lib}: {d['name']} failed: {e!r}")
                results[lib][d["name"]] = {"error": repr(e)}
        del base, queries
        gc.collect()
    json.dump({"versions": versions, "results": results}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
