import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom, syntheticCardiacDataset, toBatchTensors, volumeToSlices, type Slice2D, type Volume3D } from '@agcl/datasets';
import { dice } from '@agcl/metrics';
import type { SegmentationModel, StepBatch } from '@agcl/semi-agcl';

/** The 4 ACDC classes of the cardiac phantom. */
export const CLASS_NAMES = ['background', 'RV', 'Myo', 'LV'] as const;

/** Phantom training slices split into labeled and unlabeled patients, and held-out patients as volumes. */
export interface PhantomSplit {
  labeled: Slice2D[];
  unlabeled: Slice2D[];
  heldOut: Volume3D[];
}

/**
 * `syntheticCardiacDataset` of `@agcl/datasets` at `size` x `size`: the slices of the first
 * `labeledCases` patients keep their labels, those of the others play unlabeled images, and
 * `heldOutCases` further patients (never trained on) are the test set.
 */
export function phantomSplit(o: { size: number; labeledCases: number; unlabeledCases: number; heldOutCases: number; slicesPerCase: number; seed: number }): PhantomSplit {
  const { train, val } = syntheticCardiacDataset({
    cases: o.labeledCases + o.unlabeledCases,
    slicesPerCase: o.slicesPerCase,
    size: o.size,
    seed: o.seed,
    valCases: o.heldOutCases,
  });
  const labeledIds = new Set([...new Set(train.map((s) => s.caseId))].slice(0, o.labeledCases));
  return { labeled: train.filter((s) => labeledIds.has(s.caseId)), unlabeled: train.filter((s) => !labeledIds.has(s.caseId)), heldOut: val };
}

/**
 * The batch of a step: `nl` labeled and `nu` unlabeled slices (`nu` 0: no unlabeled stream), drawn
 * with a generator seeded by (seed, step), so a run is repeatable.
 */
export function drawBatch(split: PhantomSplit, step: number, nl: number, nu: number, seed: number): StepBatch {
  const rng = new SeededRandom(seed * 100_003 + step);
  const pick = (from: Slice2D[], n: number) => Array.from({ length: n }, () => from[rng.int(from.length)]);
  const l = toBatchTensors(tf, pick(split.labeled, nl));
  if (nu === 0 || split.unlabeled.length === 0) return { xl: l.x, yl: l.y, xu: null };
  const u = toBatchTensors(tf, pick(split.unlabeled, nu));
  u.y.dispose(); // unlabeled: the label is never seen
  return { xl: l.x, yl: l.y, xu: u.x };
}

/** Per-class 3D Dice (mean over volumes) and pixel accuracy of a prediction, next to predicting all background. */
export interface Evaluation {
  /** Dice of each foreground class (RV, Myo, LV), mean over the held-out volumes. */
  dicePerClass: number[];
  /** Mean of `dicePerClass`. */
  meanDice: number;
  pixelAccuracy: number;
  /** Predict-all-background: Dice 0 for every foreground class; accuracy = background share. */
  baseline: { meanDice: number; pixelAccuracy: number };
}

/** Predicts every held-out volume slice by slice (`training: false`) and scores it with `@agcl/metrics` `dice`. */
export function evaluate(model: SegmentationModel, volumes: Volume3D[], numClasses: number): Evaluation {
  const perClass: number[][] = Array.from({ length: numClasses - 1 }, () => []);
  let correct = 0;
  let background = 0;
  let total = 0;
  for (const volume of volumes) {
    const { x, y } = toBatchTensors(tf, volumeToSlices(volume));
    const predicted = tf.tidy(() => tf.argMax(model.forward(x, { training: false }).logits, -1));
    const pred = predicted.dataSync();
    tf.dispose([x, y, predicted]);
    const label = volume.label;
    for (let c = 1; c < numClasses; c++) {
      const d = dice(pred.map((v) => (v === c ? 1 : 0)), label.map((v) => (v === c ? 1 : 0)));
      if (Number.isFinite(d)) perClass[c - 1].push(d); // NaN: the class is in neither mask
    }
    for (let i = 0; i < label.length; i++) {
      if (pred[i] === label[i]) correct++;
      if (label[i] === 0) background++;
    }
    total += label.length;
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const dicePerClass = perClass.map(mean);
  return { dicePerClass, meanDice: mean(dicePerClass), pixelAccuracy: correct / total, baseline: { meanDice: 0, pixelAccuracy: background / total } };
}
