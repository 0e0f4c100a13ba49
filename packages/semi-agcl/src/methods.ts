import type { SemiAgclOptionsInput } from './options';

/**
 * A training method, as data: which parts of Semi-AGCL it uses and which options it forces. The
 * baselines and the ablations are entries of {@link METHODS}; a user's own variant is one more object
 * of this shape.
 */
export interface MethodSpec {
  /** Name used on the command line and in run folders. */
  readonly name: string;
  /** One line for help texts. */
  readonly description: string;
  /** Uses the EMA teacher, the unlabeled stream and the consistency loss. */
  readonly teacher: boolean;
  /** Samples patches and adds the patch contrastive and affinity-graph losses (needs `teacher`). */
  readonly patches: boolean;
  /**
   * Every training case is labeled (full supervision). A data-loading concern: the step itself runs as
   * 'supervised'.
   */
  readonly allLabeled: boolean;
  /** Options the method forces over the user's (the ablations switch one part off). */
  readonly overrides: SemiAgclOptionsInput;
}

const base = { teacher: true, patches: true, allLabeled: false } as const;

/** The methods of this library: the baselines, Semi-AGCL and its four ablations. */
export const METHODS = {
  supervised: { name: 'supervised', description: 'labeled images only (L_sup)', teacher: false, patches: false, allLabeled: false, overrides: {} },
  full: { name: 'full', description: 'every training case labeled (the upper bound)', teacher: false, patches: false, allLabeled: true, overrides: {} },
  'mean-teacher': { name: 'mean-teacher', description: 'L_sup + consistency with an EMA teacher', ...base, patches: false, overrides: {} },
  'semi-agcl': { name: 'semi-agcl', description: 'mean teacher + patch contrastive + affinity-graph losses', ...base, overrides: {} },
  'semi-agcl:uniform': { name: 'semi-agcl:uniform', description: 'ablation: patches drawn uniformly, not by entropy', ...base, overrides: { sampler: { mode: 'uniform' } } },
  'semi-agcl:no-intensity': { name: 'semi-agcl:no-intensity', description: 'ablation: no intensity term in the patch entropy (beta 0)', ...base, overrides: { entropy: { beta: 0 } } },
  'semi-agcl:no-ag': { name: 'semi-agcl:no-ag', description: 'ablation: no affinity-graph loss', ...base, overrides: { weights: { affinity: 0 } } },
  'semi-agcl:no-contrast': { name: 'semi-agcl:no-contrast', description: 'ablation: no patch contrastive loss', ...base, overrides: { weights: { contrastive: 0 } } },
} as const satisfies Record<string, MethodSpec>;

/** A name of {@link METHODS}. */
export type MethodName = keyof typeof METHODS;

/** The names of {@link METHODS}, in their documented order. */
export const METHOD_NAMES = Object.keys(METHODS) as [MethodName, ...MethodName[]];

/**
 * The method spec for a name or a spec (returned as is after a check).
 * @throws Error naming the argument and the known names.
 */
export function methodSpec(method: MethodName | MethodSpec): MethodSpec {
  if (typeof method === 'string') {
    const spec = (METHODS as Record<string, MethodSpec>)[method];
    if (!spec) throw new Error(`methodSpec: unknown method '${method}'; expected one of ${METHOD_NAMES.join(', ')} or a MethodSpec object`);
    return spec;
  }
  if (method === null || typeof method !== 'object' || typeof method.teacher !== 'boolean' || typeof method.patches !== 'boolean') {
    throw new Error("methodSpec: argument 'method' must be a method name or a MethodSpec { name, teacher, patches, allLabeled, overrides }");
  }
  if (method.patches && !method.teacher) throw new Error(`methodSpec: method '${method.name}' has patches but no teacher; patches need the teacher's embeddings`);
  return method;
}
