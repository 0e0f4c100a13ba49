/**
 * Mixes a seed with any number of parts (a stream name, a step, an epoch, an index) into a new 31-bit
 * seed. Deterministic, so every random stream of a run can be re-derived from the step number: that is
 * what lets a resumed run continue exactly where it stopped.
 *
 * Formula: a murmur3-style finaliser (multipliers `0x85ebca6b`, `0xc2b2ae35`, start `seed ^ 0x9e3779b9`)
 * applied after each 32-bit word; a number contributes its low and high words, a string each UTF-16
 * code unit.
 *
 * @example
 * ```ts
 * const dropoutSeed = deriveSeed(1337, 'dropout', step);
 * ```
 */
export function deriveSeed(seed: number, ...parts: Array<number | string>): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  const mix = (v: number) => {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  };
  for (const part of parts) {
    if (typeof part === 'number') {
      mix(part >>> 0);
      mix(Math.floor(part / 2 ** 32) >>> 0);
    } else {
      for (let i = 0; i < part.length; i++) mix(part.charCodeAt(i));
    }
  }
  return h & 0x7fffffff;
}

/** The random streams of one Semi-AGCL step and the name each is derived from. */
export const STEP_SEED_STREAMS = {
  /** Gaussian noise on the teacher's input. */
  noise: 'noise',
  /** Dropout masks of the teacher's forward (`teacher.forward: 'train'`). */
  teacherDropout: 'teacher-dropout',
  /** The patch sampler's draws. */
  sampler: 'sampler',
  /** Dropout masks of the student's forward. */
  studentDropout: 'dropout',
} as const;

/** The seed of each random stream of a step. */
export type StepSeeds = { -readonly [K in keyof typeof STEP_SEED_STREAMS]: number };

/** Seeds of every random draw of step `step` of a run seeded by `seed`: `deriveSeed(seed, stream, step)`. */
export function stepSeeds(seed: number, step: number): StepSeeds {
  const out = {} as StepSeeds;
  for (const [key, stream] of Object.entries(STEP_SEED_STREAMS)) out[key as keyof StepSeeds] = deriveSeed(seed, stream, step);
  return out;
}
