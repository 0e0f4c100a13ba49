import * as tf from '@tensorflow/tfjs-core';

/** Calls and milliseconds per kernel name, summed over every call (top-level and nested). */
export type KernelProfile = Map<string, { n: number; ms: number }>;

/**
 * Re-registers every kernel of `backendName` with a timing wrapper and returns the profile they fill.
 * Call it after the kernels you want timed are registered (e.g. after a warm-up step).
 */
export function profileKernels(backendName: string): KernelProfile {
  const profile: KernelProfile = new Map();
  for (const cfg of tf.getKernelsForBackend(backendName)) {
    const orig = cfg.kernelFunc;
    tf.unregisterKernel(cfg.kernelName, backendName);
    tf.registerKernel({
      ...cfg,
      setupFunc: undefined,
      kernelFunc: (a) => {
        const t0 = performance.now();
        const out = orig(a);
        const e = profile.get(cfg.kernelName) ?? { n: 0, ms: 0 };
        e.n++;
        e.ms += performance.now() - t0;
        profile.set(cfg.kernelName, e);
        return out;
      },
    });
  }
  return profile;
}

/** Writes the `top` most expensive kernels to stderr, per step (`stepsProfiled` steps ran wrapped). */
export function printKernelProfile(profile: KernelProfile, stepsProfiled: number, top = 25): void {
  const rows = [...profile.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top);
  for (const [k, v] of rows) {
    process.stderr.write(
      `${k.padEnd(28)} calls/step ${(v.n / stepsProfiled).toFixed(1).padStart(6)}  ms/step ${(v.ms / stepsProfiled).toFixed(1).padStart(8)}\n`,
    );
  }
}
