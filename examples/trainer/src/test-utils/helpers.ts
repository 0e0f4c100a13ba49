import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { UNet } from '@agcl/unet';
import type { TrainConfigInput } from '../config';

/** A write stream that records what is written. */
export function captureStream(isTTY = false): NodeJS.WriteStream & { text(): string } {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 120,
    write(chunk: string | Uint8Array) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
    on() {
      return this;
    },
    once() {
      return this;
    },
    removeListener() {
      return this;
    },
    text: () => chunks.join(''),
  } as unknown as NodeJS.WriteStream & { text(): string };
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'agcl-trainer-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A tiny configuration: U-Net 4-8-16 at 32x32, 6 synthetic patients of 2 slices, 2 validation volumes. */
export function tinyConfig(overrides: TrainConfigInput = {}): TrainConfigInput {
  return {
    backend: 'wasm',
    steps: 6,
    valEvery: 3,
    size: 32,
    channels: [4, 8, 16],
    embeddingDim: 8,
    batch: 2,
    syntheticCases: 6,
    syntheticSlicesPerCase: 2,
    syntheticValCases: 2,
    labeledPatients: 2,
    logEvery: 1,
    ...overrides,
  };
}

/** The running means and variances of a network, in weight order, as plain numbers. */
export function runningStats(net: UNet): number[] {
  const w = net.getWeights();
  const out = Object.entries(w)
    .filter(([n]) => n.endsWith('/movingMean') || n.endsWith('/movingVariance'))
    .flatMap(([, t]) => Array.from(t.dataSync()));
  tf.dispose(Object.values(w));
  return out;
}

/** Largest absolute elementwise difference; arrays of different lengths are an error, not a pass. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: arrays of different lengths (${a.length} and ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
