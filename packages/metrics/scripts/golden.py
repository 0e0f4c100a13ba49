#!/usr/bin/python3
"""Golden values for @agcl/metrics, from an independent reference implementation.

The per-class metrics re-implement medpy.metric.binary (dc, jc, precision, recall, hd, hd95, asd,
assd) line by line on numpy + scipy (medpy's own code paths: binary_erosion with
generate_binary_structure(ndim, 1), distance_transform_edt with sampling, numpy.percentile). The
GlaS object metrics follow the challenge's evaluation code (F1score / ObjectDice / ObjectHausdorff,
evaluation_v6), with Hausdorff distances computed by brute force over all pixel pairs (no distance
transform), so they check the TypeScript distance-transform path independently.

Masks are generated from a fixed seed and stored run-length encoded in the JSON, so the TypeScript
test reads exactly the same inputs.

Run (Debian python with numpy + scipy):
    cd packages/metrics && /usr/bin/python3 scripts/golden.py > test-data/golden.json
"""
import json
import math
import sys

import numpy as np
import scipy
from scipy import ndimage
from scipy.ndimage import binary_erosion, distance_transform_edt, generate_binary_structure


# ---------------------------------------------------------------- medpy.metric.binary, re-implemented
def dc(result, reference):
    result = np.atleast_1d(result.astype(bool))
    reference = np.atleast_1d(reference.astype(bool))
    intersection = np.count_nonzero(result & reference)
    size_i1 = np.count_nonzero(result)
    size_i2 = np.count_nonzero(reference)
    try:
        return 2.0 * intersection / float(size_i1 + size_i2)
    except ZeroDivisionError:
        return 0.0


def jc(result, reference):
    result = np.atleast_1d(result.astype(bool))
    reference = np.atleast_1d(reference.astype(bool))
    intersection = np.count_nonzero(result & reference)
    union = np.count_nonzero(result | reference)
    return float(intersection) / float(union)


def precision(result, reference):
    result = np.atleast_1d(result.astype(bool))
    reference = np.atleast_1d(reference.astype(bool))
    tp = np.count_nonzero(result & reference)
    fp = np.count_nonzero(result & ~reference)
    try:
        return tp / float(tp + fp)
    except ZeroDivisionError:
        return 0.0


def recall(result, reference):
    result = np.atleast_1d(result.astype(bool))
    reference = np.atleast_1d(reference.astype(bool))
    tp = np.count_nonzero(result & reference)
    fn = np.count_nonzero(~result & reference)
    try:
        return tp / float(tp + fn)
    except ZeroDivisionError:
        return 0.0


def _surface_distances(result, reference, voxelspacing=None, connectivity=1):
    result = np.atleast_1d(result.astype(bool))
    reference = np.atleast_1d(reference.astype(bool))
    if voxelspacing is not None:
        voxelspacing = np.asarray(voxelspacing, dtype=np.float64)
    footprint = generate_binary_structure(result.ndim, connectivity)
    if 0 == np.count_nonzero(result):
        raise RuntimeError("The first supplied array does not contain any binary object.")
    if 0 == np.count_nonzero(reference):
        raise RuntimeError("The second supplied array does not contain any binary object.")
    result_border = result ^ binary_erosion(result, structure=footprint, iterations=1)
    reference_border = reference ^ binary_erosion(reference, structure=footprint, iterations=1)
    dt = distance_transform_edt(~reference_border, sampling=voxelspacing)
    return dt[result_border]


def hd(result, reference, voxelspacing=None):
    hd1 = _surface_distances(result, reference, voxelspacing).max()
    hd2 = _surface_distances(reference, result, voxelspacing).max()
    return max(hd1, hd2)


def hd95(result, reference, voxelspacing=None):
    hd1 = _surface_distances(result, reference, voxelspacing)
    hd2 = _surface_distances(reference, result, voxelspacing)
    return np.percentile(np.hstack((hd1, hd2)), 95)


def asd(result, reference, voxelspacing=None):
    return _surface_distances(result, reference, voxelspacing).mean()


def assd(result, reference, voxelspacing=None):
    return np.mean((asd(result, reference, voxelspacing), asd(reference, result, voxelspacing)))


# ---------------------------------------------------------------- empty-mask policy of the package (defaults)
def class_metrics(pred, target, spacing):
    p = pred.astype(bool)
    t = target.astype(bool)
    out = {}
    if not p.any() and not t.any():
        for m in ("dice", "jaccard", "precision", "recall", "hd", "hd95", "asd", "assd"):
            out[m] = None  # NaN
        return out
    if not p.any() or not t.any():
        out.update(dice=0.0, jaccard=0.0, precision=0.0, recall=0.0, hd=None, hd95=None, asd=None, assd=None)
        return out
    out["dice"] = dc(p, t)
    out["jaccard"] = jc(p, t)
    out["precision"] = precision(p, t)
    out["recall"] = recall(p, t)
    out["hd"] = float(hd(p, t, spacing))
    out["hd95"] = float(hd95(p, t, spacing))
    out["asd"] = float(asd(p, t, spacing))
    out["assd"] = float(assd(p, t, spacing))
    return out


# ---------------------------------------------------------------- GlaS object metrics (evaluation_v6 semantics)
def _mode_nonzero(values):
    values = values[values != 0]
    if values.size == 0:
        return 0
    labels, counts = np.unique(values, return_counts=True)
    return int(labels[np.argmax(counts)])  # MATLAB mode: most frequent, ties -> smallest


def _hausdorff_sets(a, b, spacing):
    pa = np.argwhere(a) * np.asarray(spacing, dtype=np.float64)
    pb = np.argwhere(b) * np.asarray(spacing, dtype=np.float64)
    d = np.sqrt(((pa[:, None, :] - pb[None, :, :]) ** 2).sum(-1))
    return float(max(d.min(axis=1).max(), d.min(axis=0).max()))


def glas_metrics(S, G, spacing):
    ls = [int(v) for v in np.unique(S) if v != 0]
    lg = [int(v) for v in np.unique(G) if v != 0]
    nS, nG = len(ls), len(lg)
    if nS == 0 or nG == 0:
        return None
    tp = 0
    for s in ls:
        gi = _mode_nonzero(G[S == s])
        if gi != 0:
            Sg = S == s
            Gg = G == gi
            if np.logical_and(Sg, Gg).sum() / Gg.sum() > 0.5:
                tp += 1
    P = tp / nS
    R = tp / nG
    f1 = 0.0 if P + R == 0 else 2 * P * R / (P + R)

    def dice(a, b):
        return 2.0 * np.logical_and(a, b).sum() / (a.sum() + b.sum())

    totS = (S > 0).sum()
    totG = (G > 0).sum()
    d1 = 0.0
    h1 = 0.0
    for s in ls:
        Si = S == s
        gi = _mode_nonzero(G[Si])
        w = Si.sum() / totS
        if gi != 0:
            Gi = G == gi
            d1 += w * dice(Gi, Si)
            h1 += w * _hausdorff_sets(Gi, Si, spacing)
        else:
            h1 += w * min(_hausdorff_sets(G == g, Si, spacing) for g in lg)
    d2 = 0.0
    h2 = 0.0
    for g in lg:
        Gi = G == g
        si = _mode_nonzero(S[Gi])
        w = Gi.sum() / totG
        if si != 0:
            Si = S == si
            d2 += w * dice(Gi, Si)
            h2 += w * _hausdorff_sets(Gi, Si, spacing)
        else:
            h2 += w * min(_hausdorff_sets(Gi, S == s, spacing) for s in ls)
    return dict(f1=f1, precision=P, recall=R, tp=tp, predObjects=nS, targetObjects=nG,
                objectDice=(d1 + d2) / 2, objectHausdorff=(h1 + h2) / 2)


# ---------------------------------------------------------------- deterministic masks
def rle(a):
    flat = np.asarray(a).ravel(order="C").astype(np.int64)
    out = []
    i = 0
    n = flat.size
    while i < n:
        j = i
        while j < n and flat[j] == flat[i]:
            j += 1
        out += [int(flat[i]), j - i]
        i = j
    return out


def ellipsoid(shape, center, radii):
    grids = np.meshgrid(*[np.arange(s, dtype=np.float64) for s in shape], indexing="ij")
    r = sum(((g - c) / rr) ** 2 for g, c, rr in zip(grids, center, radii))
    return r <= 1.0


def random_label_map(rng, shape, num_classes, blobs_per_class=2, border=False):
    lab = np.zeros(shape, dtype=np.int64)
    for c in range(1, num_classes):
        for _ in range(blobs_per_class):
            center = [rng.uniform(0 if border else s * 0.2, s - 1 if border else s * 0.8) for s in shape]
            radii = [rng.uniform(max(1.0, s * 0.08), max(1.5, s * 0.3)) for s in shape]
            lab[ellipsoid(shape, center, radii)] = c
    return lab


def perturb(rng, lab, num_classes):
    pred = lab.copy()
    nd = lab.ndim
    for c in range(1, num_classes):
        m = lab == c
        op = rng.integers(0, 3)
        if op == 0:
            m = ndimage.binary_dilation(m, generate_binary_structure(nd, 1))
        elif op == 1:
            m = ndimage.binary_erosion(m, generate_binary_structure(nd, 1))
        shift = [int(rng.integers(-1, 2)) if s > 4 else 0 for s in lab.shape]
        m = np.roll(m, shift, axis=tuple(range(nd)))
        pred[pred == c] = 0
        pred[m] = c
    noise = rng.random(lab.shape) < 0.02
    pred[noise] = rng.integers(0, num_classes, size=int(noise.sum()))
    return pred


def main():
    rng = np.random.default_rng(20260611)
    cases = []

    def add(name, pred, target, spacing, num_classes):
        per = []
        for c in range(0, num_classes):
            r = class_metrics(pred == c, target == c, spacing)
            r["classIndex"] = c
            per.append(r)
        cases.append(dict(name=name, shape=list(pred.shape), spacing=list(spacing), numClasses=num_classes,
                          pred=rle(pred), target=rle(target), classes=per))

    for i, (shape, spacing, K) in enumerate([
        ((48, 40), (1.25, 0.8), 4),
        ((64, 64), (1.0, 1.0), 3),
        ((33, 57), (0.7, 1.9), 4),
    ]):
        t = random_label_map(rng, shape, K)
        p = perturb(rng, t, K)
        add(f"2d-blobs-{i}", p, t, spacing, K)
    # foreground touching the border (medpy border_value=0 makes it surface)
    t = random_label_map(rng, (30, 26), 3, border=True)
    p = perturb(rng, t, 3)
    add("2d-border", p, t, (1.1, 0.9), 3)
    for i, (shape, spacing, K) in enumerate([
        ((8, 24, 20), (3.0, 1.0, 0.7), 3),
        ((5, 16, 16), (2.5, 1.1, 1.1), 4),
        ((12, 18, 14), (1.0, 1.0, 1.0), 2),
    ]):
        t = random_label_map(rng, shape, K)
        p = perturb(rng, t, K)
        add(f"3d-blobs-{i}", p, t, spacing, K)
    # depth 1 volume: every voxel lies on the border along z
    t = random_label_map(rng, (1, 20, 20), 3)
    p = perturb(rng, t, 3)
    add("3d-depth1", p, t, (4.0, 1.0, 1.0), 3)
    # empty classes: class 2 absent from the prediction, class 3 absent from both
    t = random_label_map(rng, (24, 24), 4)
    t[t == 3] = 1
    p = perturb(rng, t, 3)
    p[p == 2] = 0
    add("2d-empty-classes", p, t, (1.0, 1.5), 4)

    # GlaS object metrics: semantic prediction (8-connected components), instance-map reference
    obj = []
    for i, shape in enumerate([(40, 48), (56, 50), (36, 36)]):
        G = np.zeros(shape, dtype=np.int64)
        label = 0
        for _ in range(int(rng.integers(3, 7))):
            label += int(rng.integers(1, 4))  # non-consecutive instance labels
            center = [rng.uniform(0, s - 1) for s in shape]
            radii = [rng.uniform(2.0, 8.0) for _ in shape]
            G[ellipsoid(shape, center, radii)] = label
        Sm = np.zeros(shape, dtype=bool)
        for g in np.unique(G):
            if g == 0 or rng.random() < 0.15:
                continue  # missed object
            m = G == g
            if rng.random() < 0.5:
                m = ndimage.binary_erosion(m)
            m = np.roll(m, [int(rng.integers(-2, 3)) for _ in shape], axis=(0, 1))
            Sm |= m
        for _ in range(int(rng.integers(1, 3))):  # false positives, some far away
            center = [rng.uniform(0, s - 1) for s in shape]
            Sm |= ellipsoid(shape, center, [rng.uniform(1.0, 3.0) for _ in shape])
        Sm[0, 0] = True  # a one-pixel object in a corner
        S, _ = ndimage.label(Sm, structure=np.ones((3, 3), dtype=bool))
        spacing = (1.0, 1.0) if i != 2 else (0.5, 0.8)
        r = glas_metrics(S, G, spacing)
        obj.append(dict(name=f"glas-{i}", shape=list(shape), spacing=list(spacing), pred=rle(Sm.astype(np.int64)),
                        target=rle(G), metrics=r))

    # connected components against scipy.ndimage.label
    cc = []
    for i, (shape, conn) in enumerate([((20, 23), 2), ((20, 23), 1), ((6, 10, 9), 3), ((6, 10, 9), 1), ((6, 10, 9), 2)]):
        m = rng.random(shape) < (0.35 if len(shape) == 2 else 0.12)
        lab, count = ndimage.label(m, structure=generate_binary_structure(len(shape), conn))
        cc.append(dict(name=f"cc-{i}", shape=list(shape), rank=conn, mask=rle(m.astype(np.int64)), labels=rle(lab), count=int(count)))

    # distance transform against scipy.ndimage.distance_transform_edt
    edt = []
    for i, (shape, spacing) in enumerate([((15, 17), (1.3, 0.6)), ((5, 9, 11), (2.5, 0.9, 1.2))]):
        sites = rng.random(shape) < 0.04
        d = distance_transform_edt(~sites, sampling=spacing)
        edt.append(dict(name=f"edt-{i}", shape=list(shape), spacing=list(spacing), sites=rle(sites.astype(np.int64)),
                        distances=[float(v) for v in d.ravel()]))

    json.dump(dict(
        description="Golden values for @agcl/metrics; regenerate with: /usr/bin/python3 scripts/golden.py > test-data/golden.json",
        numpy=np.__version__, scipy=scipy.__version__, seed=20260611,
        nanEncoding="null = NaN (package default empty-mask policy)",
        cases=cases, objectCases=obj, componentCases=cc, edtCases=edt,
    ), sys.stdout, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
