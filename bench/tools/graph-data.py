#!/usr/bin/python3
"""Graphs for bench/graph.mjs: labelled graphs with planted communities, the held-out split for
link prediction, a large graph for the scale run, and items with planted attributes for EGES.
Run with Debian's python3 (python3-numpy, python3-networkx).

    /usr/bin/python3 bench/tools/graph-data.py KIND OUTDIR PARAMS.json

KIND:
  lfr       networkx's LFR benchmark graph (Lancichinetti, Fortunato, Radicchi 2008); params:
            nodes, tau1, tau2, mu, averageDegree, maxDegree, minCommunity, maxCommunity, seed,
            seeds (how many seeds to try when the generator does not converge). Fails (exit 3)
            when no seed converges; the caller then falls back to `planted`.
  planted   a degree-corrected planted partition (numpy, ours; see planted()); params: nodes,
            edges, tau1, tau2, mu, maxDegreeRatio, minCommunity, maxCommunity, seed, labels.
  karate    Zachary's karate club as networkx ships it; label = the 'club' attribute.
  split     link prediction: reads params.edges (a path to a graph's edges.tsv), writes OUTDIR's
            residual.tsv and pairs.tsv (see split()); params: edges, seed, heldOut.
  items     items with planted groups and attributes for EGES (see items()).

lfr, planted, karate write into OUTDIR: edges.tsv ("src<TAB>dst" a line, src < dst, no duplicates, no self
loops), labels.tsv ("node<TAB>label") where the graph has labels, and info.json (what was made,
how, its counts and the seconds it took). Prints info.json on stdout.
"""
import json
import os
import sys
import time

import numpy as np


def log(msg):
    print(f"[graph-data] {msg}", file=sys.stderr, flush=True)


def write_edges(path, src, dst):
    """Edges as text, a million lines at a time (np.savetxt is several times slower)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        step = 1 << 20
        for at in range(0, len(src), step):
            s = src[at:at + step].tolist()
            d = dst[at:at + step].tolist()
            f.write("".join(f"{a}\t{b}\n" for a, b in zip(s, d)))
    os.replace(tmp, path)


def write_labels(path, labels):
    with open(path, "w") as f:
        f.write("".join(f"{v}\t{c}\n" for v, c in enumerate(labels.tolist())))


def unique_edges(src, dst, n):
    """Undirected edges as (min, max), self loops and duplicates dropped, in the order first drawn."""
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    keep = lo != hi
    key = lo[keep].astype(np.int64) * n + hi[keep]
    _, first = np.unique(key, return_index=True)
    first.sort()
    key = key[first]
    return (key // n).astype(np.int64), (key % n).astype(np.int64)


def power_law(rng, size, exponent, low, high):
    """Samples of a power law p(x) ~ x^-exponent on [low, high] (inverse CDF)."""
    u = rng.random(size)
    a = 1.0 - exponent
    return (low ** a + u * (high ** a - low ** a)) ** (1.0 / a)


def community_sizes(rng, n, tau2, smallest, largest):
    """Community sizes from a power law with exponent tau2, summing to n (the last one trimmed,
    then merged into a random other one if it falls under `smallest`), as LFR sizes them."""
    sizes = []
    total = 0
    while total < n:
        s = int(round(power_law(rng, 1, tau2, smallest, largest)[0]))
        s = min(s, n - total)
        sizes.append(s)
        total += s
    if len(sizes) > 1 and sizes[-1] < smallest:
        last = sizes.pop()
        sizes[rng.integers(len(sizes))] += last
    return np.array(sizes, dtype=np.int64)


# ---------------------------------------------------------------- generators


def lfr(p):
    import networkx as nx
    last_error = None
    for attempt in range(p.get("seeds", 5)):
        seed = p["seed"] + attempt
        t = time.perf_counter()
        try:
            g = nx.LFR_benchmark_graph(
                p["nodes"], p["tau1"], p["tau2"], p["mu"], average_degree=p["averageDegree"],
                max_degree=p["maxDegree"], min_community=p["minCommunity"], max_community=p["maxCommunity"],
                seed=seed, max_iters=p.get("maxIters", 500))
        except nx.ExceededMaxIterations as e:
            last_error = f"seed {seed}: {e} after {time.perf_counter() - t:.1f} s"
            log(f"LFR did not converge ({last_error}); trying the next seed")
            continue
        # Each node's 'community' attribute is the set of its community's nodes (non-overlapping).
        label_of = {}
        for c, members in enumerate(sorted({frozenset(g.nodes[v]["community"]) for v in g}, key=min)):
            for v in members:
                label_of[v] = c
        g.remove_edges_from(nx.selfloop_edges(g))
        e = np.array(list(g.edges()), dtype=np.int64)
        src, dst = unique_edges(e[:, 0], e[:, 1], p["nodes"])
        labels = np.array([label_of[v] for v in range(p["nodes"])], dtype=np.int64)
        return src, dst, labels, {"generator": "networkx.LFR_benchmark_graph", "networkx": nx.__version__, "seedUsed": seed,
                                  "isolated": int(p["nodes"] - len(np.unique(np.concatenate([src, dst]))))}
    raise SystemExit(f"LFR_NOT_CONVERGED: {last_error}")


def planted(p):
    """A degree-corrected planted partition: community sizes from a power law (tau2), each node a
    degree propensity theta from a power law (tau1, capped at maxDegreeRatio x the smallest).
    Each edge: one end drawn by theta over all nodes; the other, with probability 1 - mu, by
    theta within the first end's community, else by theta over all nodes. Self loops and
    duplicates are dropped and more edges drawn until there are `edges`; a node left with no
    edge then gets one to a node of its community (drawn by theta). Vectorised: 1M nodes and
    10M edges take seconds."""
    rng = np.random.default_rng(p["seed"])
    n, m, mu = p["nodes"], p["edges"], p["mu"]
    sizes = community_sizes(rng, n, p["tau2"], p["minCommunity"], p["maxCommunity"])
    labels = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    theta = power_law(rng, n, p["tau1"], 1.0, p["maxDegreeRatio"])
    # Nodes ordered by community, and the cumulative theta in that order: a draw within a
    # community is a uniform draw over its stretch of the cumulative sum.
    order = np.argsort(labels, kind="stable")
    cum = np.cumsum(theta[order])
    starts = np.concatenate([[0], np.cumsum(sizes)])  # community c occupies order[starts[c]:starts[c+1]]
    base = np.concatenate([[0.0], cum])[starts]  # cumulative theta before each community
    mass = base[1:] - base[:-1]
    global_cdf = np.cumsum(theta)
    global_cdf /= global_cdf[-1]

    def by_theta(count):
        return np.minimum(np.searchsorted(global_cdf, rng.random(count), side="right"), n - 1)

    def within(communities):
        r = base[communities] + rng.random(len(communities)) * mass[communities]
        at = np.searchsorted(cum, r, side="right")
        at = np.clip(at, starts[communities], starts[communities + 1] - 1)
        return order[at]

    src = np.empty(0, dtype=np.int64)
    dst = np.empty(0, dtype=np.int64)
    while len(src) < m:
        want = int((m - len(src)) * 1.05) + 16
        a = by_theta(want)
        inside = rng.random(want) >= mu
        b = np.empty(want, dtype=np.int64)
        b[inside] = within(labels[a[inside]])
        b[~inside] = by_theta(int((~inside).sum()))
        src, dst = unique_edges(np.concatenate([src, a]), np.concatenate([dst, b]), n)
    keep = rng.permutation(len(src))[:m]
    keep.sort()
    src, dst = src[keep], dst[keep]
    degree = np.bincount(np.concatenate([src, dst]), minlength=n)
    lonely = np.flatnonzero(degree == 0)
    if len(lonely) > 0:
        partner = within(labels[lonely])
        same = partner == lonely
        while same.any():  # a community of one node cannot happen (sizes >= minCommunity >= 2)
            partner[same] = within(labels[lonely[same]])
            same = partner == lonely
        src, dst = unique_edges(np.concatenate([src, lonely]), np.concatenate([dst, partner]), n)
    inside = labels[src] == labels[dst]
    return src, dst, labels, {"generator": "planted partition, degree-corrected (bench/tools/graph-data.py, numpy)",
                              "communities": int(len(sizes)), "mixingMeasured": float(1 - inside.mean()),
                              "lonelyNodesLinked": int(len(lonely))}


def karate(_p):
    import networkx as nx
    g = nx.karate_club_graph()
    clubs = sorted({g.nodes[v]["club"] for v in g})
    labels = np.array([clubs.index(g.nodes[v]["club"]) for v in range(g.number_of_nodes())], dtype=np.int64)
    e = np.array(list(g.edges()), dtype=np.int64)
    src, dst = unique_edges(e[:, 0], e[:, 1], g.number_of_nodes())
    return src, dst, labels, {"generator": "networkx.karate_club_graph (label: 'club')", "networkx": nx.__version__, "clubs": clubs}


# ---------------------------------------------------------------- link prediction split


def split(p, outdir):
    """Half the edges held out as positives: edges in a random order, each held out when both
    its ends keep at least one other edge (so every node still has a vector), until `heldOut`
    of all edges are held out. As many negatives: node pairs drawn uniformly that are not
    edges of the whole graph (nor self pairs, nor drawn twice). Writes residual.tsv (the graph
    to embed) and pairs.tsv ("u<TAB>v<TAB>1|0")."""
    rng = np.random.default_rng(p["seed"])
    e = np.loadtxt(p["edges"], dtype=np.int64, delimiter="\t", ndmin=2)
    src, dst = e[:, 0], e[:, 1]
    n = int(max(src.max(), dst.max())) + 1
    m = len(src)
    want = int(round(m * p["heldOut"]))
    degree = np.bincount(np.concatenate([src, dst]), minlength=n)
    held = np.zeros(m, dtype=bool)
    taken = 0
    # A plain loop: the check depends on what was held out before (a few seconds for 1M edges).
    for i in rng.permutation(m).tolist():
        if taken >= want:
            break
        a, b = src[i], dst[i]
        if degree[a] > 1 and degree[b] > 1:
            degree[a] -= 1
            degree[b] -= 1
            held[i] = True
            taken += 1
    edge_keys = set((src * n + dst).tolist())
    negatives = set()
    while len(negatives) < taken:
        a = rng.integers(n, size=2 * (taken - len(negatives)) + 16)
        b = rng.integers(n, size=len(a))
        for x, y in zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist()):
            if x != y and x * n + y not in edge_keys and (x, y) not in negatives:
                negatives.add((x, y))
                if len(negatives) == taken:
                    break
    write_edges(os.path.join(outdir, "residual.tsv"), src[~held], dst[~held])
    with open(os.path.join(outdir, "pairs.tsv"), "w") as f:
        f.write("".join(f"{a}\t{b}\t1\n" for a, b in zip(src[held].tolist(), dst[held].tolist())))
        f.write("".join(f"{a}\t{b}\t0\n" for a, b in sorted(negatives)))
    return {"edges": m, "heldOut": taken, "negatives": len(negatives), "residualEdges": int(m - taken),
            "heldOutShare": taken / m}


# ---------------------------------------------------------------- EGES items


def items(p, outdir):
    """Items in planted groups, with attributes correlated with their group, and co-click edges.

    Groups: `groups` of equal size; each group belongs to one of `categories` categories and has
    `brandsPerGroup` brands of its own. An item's category is its group's (with probability
    1 - attributeNoise, else a random category) and its brand one of its group's brands (else a
    random brand). Roles: a share `heldOut` of the items gets no edges at all (they are cold-start
    queries: their attributes are written apart, not into the side-information file); a share
    `few` gets 1 or 2 edges; the rest are regular items with a degree from a power law (tau1,
    minDegree..maxDegree). Each edge of an item goes, with probability 1 - edgeNoise, to a
    regular item of its group (drawn by popularity = its degree), else to any regular item.
    Writes edges.tsv, side.tsv ("item<TAB>category<TAB>brand" for the items in the graph),
    items.tsv ("item<TAB>group<TAB>category<TAB>brand<TAB>role", every item)."""
    rng = np.random.default_rng(p["seed"])
    n, g = p["items"], p["groups"]
    group = rng.permutation(np.arange(n) % g)
    group_category = rng.integers(p["categories"], size=g)
    brands = g * p["brandsPerGroup"]
    noisy = rng.random(n) < p["attributeNoise"]
    category = np.where(noisy, rng.integers(p["categories"], size=n), group_category[group])
    noisy = rng.random(n) < p["attributeNoise"]
    brand = np.where(noisy, rng.integers(brands, size=n), group * p["brandsPerGroup"] + rng.integers(p["brandsPerGroup"], size=n))
    role = np.full(n, "regular", dtype=object)
    r = rng.random(n)
    role[r < p["heldOut"]] = "heldout"
    role[(r >= p["heldOut"]) & (r < p["heldOut"] + p["few"])] = "few"
    regular = np.flatnonzero(role == "regular")
    degree = np.zeros(n, dtype=np.int64)
    degree[regular] = np.round(power_law(rng, len(regular), p["tau1"], p["minDegree"], p["maxDegree"])).astype(np.int64)
    few = np.flatnonzero(role == "few")
    degree[few] = rng.integers(1, 3, size=len(few))
    # Partners: regular items, drawn by their degree, from the item's group or (noise) from all.
    reg_group = group[regular]
    order = np.argsort(reg_group, kind="stable")
    reg_sorted = regular[order]
    w = degree[reg_sorted].astype(np.float64)
    cum = np.cumsum(w)
    starts = np.searchsorted(reg_group[order], np.arange(g + 1))
    base = np.concatenate([[0.0], cum])[starts]
    mass = base[1:] - base[:-1]
    # Each edge is drawn from the end that "owns" it: a regular item owns half its degree (the
    # other half comes to it as a partner), a few-edge item all of its 1 or 2.
    owned = np.where(role == "regular", (degree + 1) // 2, degree)
    a = np.repeat(np.arange(n), owned)
    inside = rng.random(len(a)) >= p["edgeNoise"]
    b = np.empty(len(a), dtype=np.int64)
    ga = group[a[inside]]
    rr = base[ga] + rng.random(len(ga)) * mass[ga]
    b[inside] = reg_sorted[np.clip(np.searchsorted(cum, rr, side="right"), starts[ga], starts[ga + 1] - 1)]
    all_cdf = cum / cum[-1]
    b[~inside] = reg_sorted[np.minimum(np.searchsorted(all_cdf, rng.random(int((~inside).sum())), side="right"), len(reg_sorted) - 1)]
    src, dst = unique_edges(a, b, n)
    write_edges(os.path.join(outdir, "edges.tsv"), src, dst)
    in_graph = np.zeros(n, dtype=bool)
    in_graph[src] = True
    in_graph[dst] = True
    with open(os.path.join(outdir, "side.tsv"), "w") as f:
        f.write("".join(f"{v}\tc{category[v]}\tb{brand[v]}\n" for v in np.flatnonzero(in_graph).tolist()))
    with open(os.path.join(outdir, "items.tsv"), "w") as f:
        f.write("".join(f"{v}\t{group[v]}\tc{category[v]}\tb{brand[v]}\t{role[v]}\n" for v in range(n)))
    final_degree = np.bincount(np.concatenate([src, dst]), minlength=n)
    inside_share = float((group[src] == group[dst]).mean())
    return {"generator": "planted item groups with attributes (bench/tools/graph-data.py, numpy)", "nodes": int(in_graph.sum()),
            "edges": int(len(src)), "heldOut": int((role == "heldout").sum()), "few": int(len(few)),
            "fewDegreeMean": float(final_degree[few].mean()) if len(few) else 0.0,
            "regularDegreeMean": float(final_degree[regular].mean()), "edgesWithinGroup": inside_share,
            "itemsWithoutEdges": int(((role != "heldout") & ~in_graph).sum())}


def main():
    kind, outdir, params_path = sys.argv[1:4]
    p = json.load(open(params_path))
    os.makedirs(outdir, exist_ok=True)
    t = time.perf_counter()
    if kind in ("lfr", "planted", "karate"):
        src, dst, labels, info = {"lfr": lfr, "planted": planted, "karate": karate}[kind](p)
        write_edges(os.path.join(outdir, "edges.tsv"), src, dst)
        if p.get("labels", True):
            write_labels(os.path.join(outdir, "labels.tsv"), labels)
        n = len(labels)
        degree = np.bincount(np.concatenate([src, dst]), minlength=n)
        info.update({"nodes": int(n), "edges": int(len(src)), "labels": int(len(np.unique(labels))),
                     "meanDegree": float(2 * len(src) / n), "maxDegree": int(degree.max()),
                     "withinLabelShare": float((labels[src] == labels[dst]).mean())})
    elif kind == "split":
        info = split(p, outdir)
    elif kind == "items":
        info = items(p, outdir)
    else:
        raise SystemExit(f"unknown kind {kind}")
    info["params"] = p
    info["seconds"] = time.perf_counter() - t
    with open(os.path.join(outdir, "info.json"), "w") as f:
        json.dump(info, f, indent=1)
    json.dump(info, sys.stdout)


if __name__ == "__main__":
    main()
