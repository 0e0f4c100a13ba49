import { patientIdOf } from './patient-id';
import { SeededRandom } from './seeded-random';

/** Options of {@link acdcLabeledSplit}. */
export interface AcdcLabeledSplitOptions {
  /** Number of labeled patients (3 = the "5%" setting, 7 = "10%"). Give this or `fraction`. */
  labeledPatients?: number;
  /** Fraction of patients to label: `floor(fraction * patients)` (0.05 -> 3 and 0.1 -> 7 of 70). */
  fraction?: number;
  /** Maps a slice id to its patient. Default {@link patientIdOf} (`patient001_frame01_slice_3` -> `patient001`). */
  patientOf?: (id: string) => string;
}

/** Result of {@link acdcLabeledSplit}. */
export interface LabeledSplit {
  /** Slice ids of the labeled patients, in list order. */
  labeled: string[];
  /** All other slice ids, in list order. */
  unlabeled: string[];
  /** The labeled patients, in order of first appearance. */
  labeledPatients: string[];
  /** The unlabeled patients. */
  unlabeledPatients: string[];
}

/**
 * Patient-level labeled/unlabeled split following the SSL4MIS benchmark: the labeled set is all
 * slices of the first `labeledPatients` patients in order of first appearance in the list (for
 * ACDC's `train_slices.list`: 3 patients = the first 68 slices, 7 patients = the first 136); every
 * other slice is unlabeled. Deterministic (no seed): the list order defines the split.
 *
 * @example
 * const { labeled, unlabeled } = acdcLabeledSplit(list, { labeledPatients: 7 }); // 136 + 1176
 */
export function acdcLabeledSplit(sliceIds: readonly string[], options: AcdcLabeledSplitOptions): LabeledSplit {
  const { labeledPatients, fraction, patientOf = patientIdOf } = options ?? {};
  if (!Array.isArray(sliceIds)) throw new Error("acdcLabeledSplit: argument 'sliceIds' must be an array of strings");
  const patients: string[] = [];
  const seen = new Set<string>();
  for (const id of sliceIds) {
    const p = patientOf(id);
    if (!seen.has(p)) {
      seen.add(p);
      patients.push(p);
    }
  }
  let n: number;
  if (labeledPatients !== undefined) {
    if (fraction !== undefined) throw new Error("acdcLabeledSplit: give either 'options.labeledPatients' or 'options.fraction', not both");
    if (!(Number.isInteger(labeledPatients) && labeledPatients >= 0 && labeledPatients <= patients.length)) {
      throw new Error(`acdcLabeledSplit: argument 'options.labeledPatients' must be an integer in 0..${patients.length}, got ${labeledPatients}`);
    }
    n = labeledPatients;
  } else if (fraction !== undefined) {
    if (!(fraction >= 0 && fraction <= 1)) throw new Error(`acdcLabeledSplit: argument 'options.fraction' must be in [0, 1], got ${fraction}`);
    n = Math.floor(fraction * patients.length + 1e-9);
  } else {
    throw new Error("acdcLabeledSplit: argument 'options' must give 'labeledPatients' or 'fraction'");
  }
  const chosen = new Set(patients.slice(0, n));
  const labeled: string[] = [];
  const unlabeled: string[] = [];
  for (const id of sliceIds) (chosen.has(patientOf(id)) ? labeled : unlabeled).push(id);
  return { labeled, unlabeled, labeledPatients: patients.slice(0, n), unlabeledPatients: patients.slice(n) };
}

/** Options of {@link seededCaseSplit}. */
export interface SeededCaseSplitOptions {
  /**
   * Size of each part, as fractions of the cases (summing to at most 1; the last part named gets
   * the remainder when they sum to 1) or as case counts. E.g. `{ train: 0.7, val: 0.1, test: 0.2 }`
   * or `{ labeled: 3, unlabeled: 67 }`.
   */
  parts: Record<string, number>;
  /** Shuffle seed. Default 0. */
  seed?: number;
  /** Maps an item id to its case. Default: the id itself (each item is a case). */
  caseOf?: (id: string) => string;
}

/**
 * Seeded case-level split of item ids into named parts: the distinct cases are shuffled with
 * {@link SeededRandom}(seed) and dealt to the parts in the order given, so every item of one case
 * lands in the same part. Fractions are turned into counts with `round(fraction * cases)`, the last
 * part absorbing rounding when fractions sum to 1. Items keep their input order within a part.
 *
 * @example
 * const { train, val } = seededCaseSplit(slices.map((s) => s.id), { parts: { train: 0.8, val: 0.2 }, seed: 1 });
 */
export function seededCaseSplit(ids: readonly string[], options: SeededCaseSplitOptions): Record<string, string[]> {
  const { parts, seed = 0, caseOf = (id: string) => id } = options;
  const names = Object.keys(parts ?? {});
  if (names.length === 0) throw new Error("seededCaseSplit: argument 'options.parts' must name at least one part");
  const cases: string[] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    const c = caseOf(id);
    if (!seen.has(c)) {
      seen.add(c);
      cases.push(c);
    }
  }
  const values = names.map((n) => parts[n]);
  const fractional = values.every((v) => v >= 0 && v <= 1) && values.some((v) => !Number.isInteger(v));
  let counts: number[];
  if (fractional) {
    const sum = values.reduce((a, b) => a + b, 0);
    if (sum > 1 + 1e-9) throw new Error(`seededCaseSplit: fractions in 'options.parts' sum to ${sum} > 1`);
    counts = values.map((v) => Math.round(v * cases.length));
    if (Math.abs(sum - 1) < 1e-9) counts[counts.length - 1] = cases.length - counts.slice(0, -1).reduce((a, b) => a + b, 0);
  } else {
    if (!values.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new Error("seededCaseSplit: 'options.parts' must be all fractions in [0, 1] or all non-negative integer counts");
    }
    counts = values;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > cases.length || counts.some((c) => c < 0)) {
    throw new Error(`seededCaseSplit: parts ask for ${total} cases, only ${cases.length} exist`);
  }
  const order = new SeededRandom(seed).shuffle([...cases]);
  const partOf = new Map<string, string>();
  let k = 0;
  names.forEach((name, i) => {
    for (let j = 0; j < counts[i]; j++) partOf.set(order[k++], name);
  });
  const out: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, [] as string[]]));
  for (const id of ids) {
    const part = partOf.get(caseOf(id));
    if (part) out[part].push(id);
  }
  return out;
}
