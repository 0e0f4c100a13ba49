import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../init-backend';

/** Deterministic values in [-1, 1) from a linear congruential generator. */
export function seeded(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs `fn` on the cpu backend and then on wasm; returns both results as plain arrays. */
export async function onCpuAndWasm(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[]; shapes: number[][] }> {
  const run = async (backend: 'cpu' | 'wasm') => {
    await initBackend({ backend });
    const outs = tf.tidy(() => {
      const r = fn();
      return Array.isArray(r) ? r : [r];
    });
    const values = await Promise.all(outs.map(async (t) => new Float32Array(await t.data())));
    const shapes = outs.map((t) => t.shape);
    tf.dispose(outs);
    return { values, shapes };
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  return { cpu: cpu.values, wasm: wasm.values, shapes: wasm.shapes };
}

/** max|a - b| / max|b| (relative error on the max-abs scale of the reference b). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}
