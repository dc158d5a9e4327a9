#!/usr/bin/python3
"""analytics_numpy.py -- the screens of docs/screens.md in plain NumPy: what an
analyst would otherwise write, run by bench/analytics on the same data as the
C code, for the speed ratio and as an independent check of the numbers.

    bench/analytics_numpy.py DATA.bin [TENDERS]

DATA.bin (written by bench/analytics): "SBSCR1\\0\\0", uint64 tenders, uint64
bids, then uint32 bids-per-tender, then float64 bids (unsorted), little
endian. Only the first TENDERS tenders are used (default: all).

It is vectorised the way NumPy wants: tenders are grouped by their number of
bids n, each group is an (T, n) matrix, and every subset of 3 and 4 bids is
gathered at once into a (T, C(n,k), k) array, so the screens are whole-array
operations and the summaries nanmean / nanmedian / nanmin / nanmax along an
axis. It prints the CPU time and, as JSON, the sum over tenders of each of the 79
features (NaN skipped), which bench/analytics compares with its own.
"""
import itertools
import json
import resource
import sys
import time
import warnings

import numpy as np

SQRT3 = np.sqrt(3.0)
NAMES = ["cv", "spd", "diffp", "rd", "rdnor", "rdalt", "kurt", "skew", "ks"]


def screens(X):
    """The nine screens of each row of X (sorted along axis 1), as a dict."""
    T, k = X.shape
    b1, b2, bn = X[:, 0], X[:, 1], X[:, -1]
    zero = bn == b1
    m = X.mean(axis=1)
    d = X - m[:, None]
    d2 = d * d
    m2 = d2.sum(axis=1)
    m3 = (d2 * d).sum(axis=1)
    m4 = (d2 * d2).sum(axis=1)
    var = m2 / (k - 1)
    s = np.sqrt(var)
    gap = b2 - b1
    nan = np.full(T, np.nan)
    out = {}
    out["cv"] = np.where(zero, 0.0, s / m)
    out["spd"] = (bn - b1) / b1
    out["diffp"] = gap / b1
    out["rdnor"] = np.where(zero, np.nan, gap * (k - 1) / (bn - b1))
    if k >= 3:
        L = X[:, 1:]
        lm = L.mean(axis=1)
        sl = np.sqrt(((L - lm[:, None]) ** 2).sum(axis=1) / (k - 2))
        ok = bn > b2
        out["rd"] = np.where(ok, gap / sl, np.nan)
        out["rdalt"] = np.where(ok, gap * (k - 2) / (bn - b2), np.nan)
        out["skew"] = np.where(zero, np.nan, k / ((k - 1) * (k - 2)) * m3 / (var * s))
    else:
        out["rd"] = out["rdalt"] = out["skew"] = nan
    if k >= 4:
        out["kurt"] = np.where(
            zero,
            np.nan,
            k * (k + 1) / ((k - 1) * (k - 2) * (k - 3)) * m4 / (var * var)
            - 3.0 * (k - 1) ** 2 / ((k - 2) * (k - 3)),
        )
    else:
        out["kurt"] = nan
    lo = m - SQRT3 * s
    w = 2.0 * SQRT3 * s
    F = np.clip((X - lo[:, None]) / w[:, None], 0.0, 1.0)
    i = np.arange(1, k + 1)
    ks = np.maximum((i / k - F).max(axis=1), (F - (i - 1) / k).max(axis=1))
    out["ks"] = np.where(zero, np.nan, ks)
    return out


def features(X):
    """The 79 features of docs/screens.md for the rows of X (sorted), (T, 79)."""
    T, n = X.shape
    cols = [np.full(T, float(n))]
    full = screens(X)
    cols += [full[s] for s in NAMES]
    for k in (3, 4):
        names = [s for s in NAMES if not (k == 3 and s == "kurt")]
        if n < k:
            cols += [np.full(T, np.nan)] * (4 * len(names))
            continue
        combos = np.array(list(itertools.combinations(range(n), k)))
        sub = screens(X[:, combos].reshape(-1, k))
        C = len(combos)
        for s in names:
            v = sub[s].reshape(T, C)
            cols += [np.nanmean(v, axis=1), np.nanmedian(v, axis=1),
                     np.nanmin(v, axis=1), np.nanmax(v, axis=1)]
    eq = X[:, 1:] == X[:, :-1]
    member = np.zeros_like(X, dtype=bool)
    member[:, 1:] |= eq
    member[:, :-1] |= eq
    cols.append(member.sum(axis=1) / n)
    return np.column_stack(cols)


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"SBSCR1\0\0":
        sys.exit("analytics_numpy: not a bench data file")
    T = int(np.frombuffer(head[8:16], "<u8")[0])
    B = int(np.frombuffer(head[16:24], "<u8")[0])
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else T
    limit = min(limit, T)
    ns = np.fromfile(path, dtype="<u4", count=T, offset=24)
    bids = np.fromfile(path, dtype="<f8", count=B, offset=24 + 4 * T)
    offs = np.concatenate(([0], np.cumsum(ns, dtype=np.int64)))
    ns, offs = ns[:limit], offs[: limit + 1]
    bids = bids[: offs[-1]]

    warnings.simplefilter("ignore", category=RuntimeWarning)
    t0 = time.process_time()
    sums = np.zeros(79)
    for n in np.unique(ns):
        idx = np.nonzero(ns == n)[0]
        C = max(1, len(list(itertools.combinations(range(int(n)), 4))))
        step = max(1, 2_000_000 // (C * 4))  # bound the (T, C, k) temporaries
        for a in range(0, len(idx), step):
            rows = idx[a : a + step]
            X = bids[offs[rows][:, None] + np.arange(n)[None, :]]
            X.sort(axis=1)
            sums += np.nansum(features(X), axis=0)
    dt = time.process_time() - t0  # CPU time: the machine may be shared
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"tenders": int(limit), "seconds": dt, "peak_rss_mb": rss,
                      "sums": [float(x) for x in sums]}))


if __name__ == "__main__":
    main()
