import { methodSpec, type MethodName, type MethodSpec } from './methods';

/** How the EMA teacher runs its forward pass. */
export const TEACHER_FORWARDS = ['train', 'batch', 'eval'] as const;
/** How the sampler spreads a class's draws (see `SamplePatchesOptions.draw` of `@agcl/sampler`). */
export const SAMPLER_DRAWS = ['pool', 'stratified'] as const;
/** How patches are weighted when drawn. */
export const SAMPLING_MODES = ['entropy', 'uniform'] as const;

/**
 * Every option of a Semi-AGCL step, resolved. The defaults are {@link DEFAULT_SEMI_AGCL_OPTIONS}; what
 * each computes and why each default was chosen is in the repository's `docs/method.md`.
 */
export interface SemiAgclOptions {
  /** The method (see {@link METHODS}); its `overrides` are already applied to the other fields. */
  method: MethodSpec;
  /** Seed of every random draw of the step (teacher noise and dropout, sampler, student dropout). */
  seed: number;
  /**
   * Weights lambda of the extra loss terms in `L = L_sup + w(t) sum_k lambda_k L_k`; 0 switches a term
   * off (its computation is skipped).
   */
  weights: {
    /** Softmax-MSE consistency between student and teacher on the unlabeled images. */
    consistency: number;
    /** Supervised patch contrastive loss on the sampled patches. */
    contrastive: number;
    /** Affinity-graph-guided loss on the sampled patches. */
    affinity: number;
  };
  /** T_r of the sigmoid ramp-up `w(t) = exp(-5 (1 - t/T_r)^2)` of the extra terms (0: w = 1). */
  rampupSteps: number;
  /** Upper bound of the teacher's EMA decay `alpha_t = min(1 - 1/(t+1), emaDecay)`. */
  emaDecay: number;
  teacher: {
    /**
     * 'train': batch statistics and dropout (SSL4MIS's EMA model); 'batch': batch statistics, no
     * dropout; 'eval': running statistics (inference mode). The batch modes leave the teacher's running
     * statistics untouched: they are the EMA of the student's.
     */
    forward: (typeof TEACHER_FORWARDS)[number];
    /** Std of the Gaussian noise added to the teacher's input. */
    noiseStd: number;
    /** The noise is clipped to [-noiseClip, noiseClip]. */
    noiseClip: number;
  };
  /** Patch size P = stride in pixels (null: max(4, floor(H / 8)), 16 at 128x128). Must divide H and W. */
  patchSize: number | null;
  /** The average patch entropy (`averagePatchEntropy` of `@agcl/sampler`). */
  entropy: {
    /** Weight of the intensity (image histogram) term; 0 = confidence entropy only. */
    beta: number;
    /** Histogram bins of the intensity term. */
    bins: number;
  };
  /** The inter-patch sampler (`samplePatches` of `@agcl/sampler`). */
  sampler: {
    /** Patches drawn per class present. */
    samplesPerClass: number;
    /** 'pool': every draw from the batch-wide pool; 'stratified': half from the class's own patches. */
    draw: (typeof SAMPLER_DRAWS)[number];
    /** 'entropy' weighs patches by 1 - APE; 'uniform' (an ablation) by 1. */
    mode: (typeof SAMPLING_MODES)[number];
    /** Class-collision guard: a negative for class c must have mean confidence mu(k, c) < delta. */
    delta: number;
    /** Cap on the unique patches P (the affinity graph is P x P). */
    maxPatches: number;
  };
  /** The patch contrastive loss. */
  contrastive: {
    /** Temperature tau. */
    temperature: number;
  };
  /** The affinity-graph-guided loss. */
  affinity: {
    /** Temperature tau_g of the embedding graph. */
    temperature: number;
    /** Edge threshold T of the target graph. */
    threshold: number;
  };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/** Options as a user gives them: every field optional, the method by name or as a spec. */
export type SemiAgclOptionsInput = DeepPartial<Omit<SemiAgclOptions, 'method'>> & { method?: MethodName | MethodSpec };

const DEFAULTS: Omit<SemiAgclOptions, 'method'> = {
  seed: 1337,
  weights: { consistency: 0.1, contrastive: 0.1, affinity: 0.1 },
  rampupSteps: 100,
  emaDecay: 0.99,
  teacher: { forward: 'train', noiseStd: 0.1, noiseClip: 0.2 },
  patchSize: null,
  entropy: { beta: 0.5, bins: 16 },
  sampler: { samplesPerClass: 16, draw: 'pool', mode: 'entropy', delta: 0.2, maxPatches: 256 },
  contrastive: { temperature: 0.1 },
  affinity: { temperature: 0.2, threshold: 0.8 },
};

/** The defaults of every option (the method: 'semi-agcl'). */
export const DEFAULT_SEMI_AGCL_OPTIONS: Readonly<Omit<SemiAgclOptions, 'method'>> = deepFreeze(DEFAULTS);

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v !== null && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}

function merge(target: Record<string, unknown>, layer: Record<string, unknown>, where: string): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    if (!(key in target)) throw new Error(`SemiAgcl: unknown option '${where}${key}' (known: ${Object.keys(target).map((k) => where + k).join(', ')})`);
    const current = target[key];
    if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
      if (value === null || typeof value !== 'object') throw new Error(`SemiAgcl: option '${where}${key}' must be an object; got ${String(value)}`);
      target[key] = { ...(current as Record<string, unknown>) };
      merge(target[key] as Record<string, unknown>, value as Record<string, unknown>, `${where}${key}.`);
    } else {
      target[key] = value;
    }
  }
}

type Check = [path: string, ok: (v: unknown) => boolean, expected: string];
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const inRange = (lo: number, hi: number, loOpen = false) => (v: unknown) => finite(v) && (loOpen ? v > lo : v >= lo) && v <= hi;
const intAtLeast = (lo: number) => (v: unknown) => Number.isInteger(v) && (v as number) >= lo;
const oneOf = (values: readonly string[]) => (v: unknown) => values.includes(v as string);

const CHECKS: Check[] = [
  ['seed', (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 31, 'an integer in [0, 2^31)'],
  ['weights.consistency', inRange(0, 1e3), 'a number in [0, 1000]'],
  ['weights.contrastive', inRange(0, 1e3), 'a number in [0, 1000]'],
  ['weights.affinity', inRange(0, 1e3), 'a number in [0, 1000]'],
  ['rampupSteps', intAtLeast(0), 'an integer >= 0'],
  ['emaDecay', inRange(0, 1), 'a number in [0, 1]'],
  ['teacher.forward', oneOf(TEACHER_FORWARDS), `one of ${TEACHER_FORWARDS.join(', ')}`],
  ['teacher.noiseStd', inRange(0, 10), 'a number in [0, 10]'],
  ['teacher.noiseClip', inRange(0, 10), 'a number in [0, 10]'],
  ['patchSize', (v) => v === null || intAtLeast(1)(v), 'null or an integer >= 1'],
  ['entropy.beta', inRange(0, 1), 'a number in [0, 1]'],
  ['entropy.bins', intAtLeast(2), 'an integer >= 2'],
  ['sampler.samplesPerClass', intAtLeast(1), 'an integer >= 1'],
  ['sampler.draw', oneOf(SAMPLER_DRAWS), `one of ${SAMPLER_DRAWS.join(', ')}`],
  ['sampler.mode', oneOf(SAMPLING_MODES), `one of ${SAMPLING_MODES.join(', ')}`],
  ['sampler.delta', inRange(0, 1), 'a number in [0, 1]'],
  ['sampler.maxPatches', intAtLeast(2), 'an integer >= 2'],
  ['contrastive.temperature', inRange(0, 100, true), 'a number in (0, 100]'],
  ['affinity.temperature', inRange(0, 100, true), 'a number in (0, 100]'],
  ['affinity.threshold', inRange(0, 1), 'a number in [0, 1]'],
];

const at = (o: unknown, path: string) => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], o);

/**
 * Defaults, then each layer (later layers win), then the method's `overrides`; every value checked.
 * @throws Error naming the option (`weights.contrastive`) and what it expects.
 * @example
 * ```ts
 * const options = resolveSemiAgclOptions({ method: 'semi-agcl:no-ag', sampler: { draw: 'stratified' } });
 * options.weights.affinity; // 0
 * ```
 */
export function resolveSemiAgclOptions(...layers: SemiAgclOptionsInput[]): SemiAgclOptions {
  const resolved = structuredClone(DEFAULT_SEMI_AGCL_OPTIONS) as Record<string, unknown>;
  let method: MethodSpec = methodSpec('semi-agcl');
  for (const layer of layers) {
    if (layer === null || typeof layer !== 'object') throw new Error(`resolveSemiAgclOptions: options must be objects; got ${String(layer)}`);
    const { method: m, ...rest } = layer;
    if (m !== undefined) method = methodSpec(m);
    merge(resolved, rest as Record<string, unknown>, '');
  }
  merge(resolved, method.overrides as Record<string, unknown>, '');
  for (const [path, ok, expected] of CHECKS) {
    const v = at(resolved, path);
    if (!ok(v)) throw new Error(`SemiAgcl: option '${path}' must be ${expected}; got ${JSON.stringify(v)}`);
  }
  return { ...(resolved as Omit<SemiAgclOptions, 'method'>), method };
}

/** The patch size for images of height `height`: `patchSize`, else max(4, floor(height / 8)). */
export function resolvedPatchSize(patchSize: number | null, height: number): number {
  return patchSize ?? Math.max(4, Math.floor(height / 8));
}
