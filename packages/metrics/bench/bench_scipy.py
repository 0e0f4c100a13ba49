#!/usr/bin/python3
"""scipy reference timings for bench/bench.ts (medpy.metric.binary code paths re-implemented).

Usage: bench_scipy.py <pred.u8> <target.u8> <shape,comma,separated> <spacing,comma,separated> <classes,comma> <repeats>
Prints one JSON object: per-class values and the median seconds of
  - "medpy": hd95(result, reference) then asd(result, reference), as medpy users call them
    (three surface-distance passes: hd95 needs both directions, asd one);
  - "shared": both directed surface-distance sets computed once, hd95 and asd taken from them.
"""
import json
import sys
import time

import numpy as np
from scipy.ndimage import binary_erosion, distance_transform_edt, generate_binary_structure


def surface_distances(result, reference, spacing):
    footprint = generate_binary_structure(result.ndim, 1)
    result_border = result ^ binary_erosion(result, structure=footprint, iterations=1)
    reference_border = reference ^ binary_erosion(reference, structure=footprint, iterations=1)
    dt = distance_transform_edt(~reference_border, sampling=spacing)
    return dt[result_border]


def medpy_calls(p, t, spacing):
    hd95 = np.percentile(np.hstack((surface_distances(p, t, spacing), surface_distances(t, p, spacing))), 95)
    asd = surface_distances(p, t, spacing).mean()
    return float(hd95), float(asd)


def shared(p, t, spacing):
    a = surface_distances(p, t, spacing)
    b = surface_distances(t, p, spacing)
    return float(np.percentile(np.hstack((a, b)), 95)), float(a.mean())


def median_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    pred_path, target_path, shape, spacing, classes, repeats = sys.argv[1:7]
    shape = tuple(int(v) for v in shape.split(","))
    spacing = tuple(float(v) for v in spacing.split(","))
    classes = [int(v) for v in classes.split(",")]
    repeats = int(repeats)
    pred = np.fromfile(pred_path, dtype=np.uint8).reshape(shape)
    target = np.fromfile(target_path, dtype=np.uint8).reshape(shape)
    masks = [(pred == c, target == c) for c in classes]
    values = [dict(classIndex=c, hd95=v[0], asd=v[1]) for c, v in zip(classes, (medpy_calls(p, t, spacing) for p, t in masks))]
    out = dict(
        values=values,
        medpy=median_time(lambda: [medpy_calls(p, t, spacing) for p, t in masks], repeats),
        shared=median_time(lambda: [shared(p, t, spacing) for p, t in masks], repeats),
    )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
