import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchContrastiveLoss } from './patch-contrastive-loss';
import { finiteDifferences, flat, permuteRows, randomMatrix, refContrastive, type Matrix } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const t2 = (m: Matrix) => tf.tensor2d(flat(m), [m.length, m[0].length]);

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Number.isFinite(actual[i])).toBe(true);
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(atol + rtol * Math.abs(expected[i]));
  }
}

describe('patchContrastiveLoss', () => {
  const n = 9;
  const d = 4;
  const zS = randomMatrix(n, d, 21);
  const zT = randomMatrix(n, d, 22);
  // Class 0: three positives, negatives from class 1; class 1: two positives; class 2: a single
  // positive (contributes nothing); class 3: positives but no negatives (contributes nothing).
  const groups = [
    { positives: [0, 1, 2], negatives: [3, 4, 5] },
    { positives: [3, 4], negatives: [0, 6, 7, 8] },
    { positives: [6], negatives: [0, 1] },
    { positives: [7, 8], negatives: [] },
  ];

  it('returns a float32 scalar equal to the float64 reference', () => {
    for (const temperature of [0.1, 0.5, 1]) {
      const loss = patchContrastiveLoss(t2(zS), t2(zT), groups, { temperature });
      expect(loss.rank).toBe(0);
      expect(loss.dtype).toBe('float32');
      expectAllClose(loss.dataSync(), [refContrastive(zS, zT, groups, temperature)], 1e-5, 1e-6);
    }
  });

  it('matches a value computed by hand for two anchors', () => {
    // zS = zT = unit vectors; class positives {0, 1} (same direction), negative {2} (orthogonal).
    const z: Matrix = [Float64Array.from([1, 0]), Float64Array.from([1, 0]), Float64Array.from([0, 1])];
    const t = 0.5;
    // For either anchor: s_ap = 1/t = 2, s_an = 0 -> -log(e^2 / (e^2 + 1)) = log(1 + e^-2).
    const expected = Math.log(1 + Math.exp(-2));
    const loss = patchContrastiveLoss(t2(z), t2(z), [{ positives: [0, 1], negatives: [2] }], { temperature: t });
    expectAllClose(loss.dataSync(), [expected], 1e-6, 1e-7);
  });

  it('has gradients that match finite differences of the float64 reference', () => {
    const dy = 0.7;
    const zt = t2(zT);
    const grad = tf.grad((x: tf.Tensor) => tf.mul(patchContrastiveLoss(x as tf.Tensor2D, zt, groups), dy))(t2(zS));
    const fd = flat(finiteDifferences((x) => refContrastive(x, zT, groups, 0.1), zS.map((r) => Float64Array.from(r)))).map(
      (v) => v * dy,
    );
    const scale = Math.max(...fd.map(Math.abs));
    expectAllClose(grad.dataSync(), fd, 1e-3, 1e-4 * scale);
    const gT = tf.grad((x: tf.Tensor) => patchContrastiveLoss(t2(zS), x as tf.Tensor2D, groups))(zt);
    expect(Math.max(...Array.from(gT.dataSync(), Math.abs))).toBe(0);
  });

  it('is unchanged when the patches are permuted (indices relabelled)', () => {
    const perm = [4, 7, 0, 2, 8, 1, 6, 3, 5]; // new row r holds old row perm[r]
    const inverse = new Array<number>(n);
    perm.forEach((old, r) => (inverse[old] = r));
    const moved = groups.map((g) => ({ positives: g.positives.map((i) => inverse[i]), negatives: g.negatives.map((i) => inverse[i]) }));
    const a = patchContrastiveLoss(t2(zS), t2(zT), groups).dataSync()[0];
    const b = patchContrastiveLoss(t2(permuteRows(zS, perm)), t2(permuteRows(zT, perm)), moved).dataSync()[0];
    expect(Math.abs(a - b)).toBeLessThan(1e-5 * a);
  });

  it('is lower when positives are close and negatives far than the reverse', () => {
    const a = Float64Array.from([1, 0]);
    const b = Float64Array.from([0, 1]);
    const good: Matrix = [a, a, b, b];
    const bad: Matrix = [a, b, a, b];
    const g = [{ positives: [0, 1], negatives: [2, 3] }];
    const lowLoss = patchContrastiveLoss(t2(good), t2(good), g).dataSync()[0];
    const highLoss = patchContrastiveLoss(t2(bad), t2(bad), g).dataSync()[0];
    expect(lowLoss).toBeLessThan(highLoss);
  });

  it('is exactly 0 with a zero gradient when no anchor is valid (no NaN)', () => {
    for (const g of [[], [{ positives: [0], negatives: [1, 2] }], [{ positives: [0, 1], negatives: [] }]]) {
      const loss = patchContrastiveLoss(t2(zS), t2(zT), g);
      expect(loss.dataSync()[0]).toBe(0);
      const grad = tf.grad((x: tf.Tensor) => patchContrastiveLoss(x as tf.Tensor2D, t2(zT), g))(t2(zS));
      expect(Array.from(grad.dataSync()).every((v) => v === 0)).toBe(true);
    }
    const single = [Float64Array.from([1, 0])];
    expect(patchContrastiveLoss(t2(single), t2(single), [{ positives: [0, 0], negatives: [] }]).dataSync()[0]).toBe(0);
  });

  it('stays finite for extreme similarities', () => {
    const big = zS.map((r) => r.map((v) => v * 50));
    const loss = patchContrastiveLoss(t2(big), t2(zT), groups, { temperature: 0.01 });
    const grad = tf.grad((x: tf.Tensor) => patchContrastiveLoss(x as tf.Tensor2D, t2(zT), groups, { temperature: 0.01 }))(t2(big));
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    expectAllClose(loss.dataSync(), [refContrastive(big, zT, groups, 0.01)], 1e-4, 1e-2);
  });

  it('leaks no tensors', () => {
    const zs = t2(zS);
    const zt = t2(zT);
    const run = () => {
      patchContrastiveLoss(zs, zt, groups).dispose();
      patchContrastiveLoss(zs, zt, []).dispose();
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => patchContrastiveLoss(x as tf.Tensor2D, zt, groups))(zs);
      value.dispose();
      grad.dispose();
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad shapes, indices and options with clear errors', () => {
    const zs = t2(zS);
    const zt = t2(zT);
    expect(() => patchContrastiveLoss(zs, tf.zeros([n, d + 1]) as tf.Tensor2D, groups)).toThrow(/patchContrastiveLoss: arguments 'zStudent'.*same shape/);
    expect(() => patchContrastiveLoss(zs, zt, [{ positives: [0, n], negatives: [1] }])).toThrow(
      /patchContrastiveLoss: argument 'groups\[0\]\.positives' must hold integer indices in \[0, 8\]/,
    );
    expect(() => patchContrastiveLoss(zs, zt, [{ positives: [0, 1], negatives: [-1] }])).toThrow(/'groups\[0\]\.negatives'/);
    expect(() => patchContrastiveLoss(zs, zt, [{ positives: [0, 1] } as never])).toThrow(/'groups\[0\]' must have/);
    expect(() => patchContrastiveLoss(zs, zt, groups, { temperature: -1 })).toThrow(/option 'temperature'/);
  });
});
