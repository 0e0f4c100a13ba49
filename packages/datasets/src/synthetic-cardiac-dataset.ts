import { cardiacPhantom, type CardiacAnatomy, sampleCardiacAnatomy } from './cardiac-phantom';
import { SeededRandom } from './seeded-random';
import type { Slice2D, Volume3D } from './types';
import { slicesToVolume } from './volume-to-slices';

/** Options of {@link syntheticCardiacDataset}. */
export interface SyntheticCardiacDatasetOptions {
  /** Training "patients". Default 20. */
  cases?: number;
  /** Slices per patient, base to apex. Default 8. */
  slicesPerCase?: number;
  /** Image size. Default 128. */
  size?: number;
  /** Seed. Default 0. */
  seed?: number;
  /** Validation patients (volumes). Default `max(2, round(cases / 7))`. */
  valCases?: number;
}

/** Result of {@link syntheticCardiacDataset}. */
export interface SyntheticCardiacDataset {
  /** Training slices, patient by patient (ids `phantomNNN_slice_K`, `caseId` `phantomNNN`). */
  train: Slice2D[];
  /** Validation volumes `[slicesPerCase, size, size]` (ids `phantomNNN`), spacing [10, 1.5, 1.5] mm. */
  val: Volume3D[];
  /** Anatomy of every patient (train then val), by case id. */
  anatomy: Record<string, CardiacAnatomy>;
}

/**
 * A synthetic ACDC-like dataset of {@link cardiacPhantom} slices: each "patient" draws one
 * anatomy, and its slices run from base (level 0.05) to apex (level 0.95) with small per-slice
 * jitter, so slices of one patient are related and patient-level splits
 * (`acdcLabeledSplit(train.map((s) => s.id), { labeledPatients: 3 })`) behave as on ACDC.
 * Validation patients are distinct from training patients and come as volumes.
 *
 * @example const { train, val } = syntheticCardiacDataset({ cases: 20, slicesPerCase: 8, size: 128, seed: 1 });
 */
export function syntheticCardiacDataset(options: SyntheticCardiacDatasetOptions = {}): SyntheticCardiacDataset {
  const { cases = 20, slicesPerCase = 8, size = 128, seed = 0 } = options;
  const valCases = options.valCases ?? Math.max(2, Math.round(cases / 7));
  for (const [name, v, min] of [['cases', cases, 1], ['slicesPerCase', slicesPerCase, 1], ['valCases', valCases, 0]] as const) {
    if (!(Number.isInteger(v) && v >= min)) throw new Error(`syntheticCardiacDataset: argument 'options.${name}' must be an integer >= ${min}, got ${v}`);
  }
  const rng = new SeededRandom(seed);
  const anatomy: Record<string, CardiacAnatomy> = {};
  const makeCase = (index: number) => {
    const caseId = `phantom${String(index + 1).padStart(3, '0')}`;
    const a = sampleCardiacAnatomy(rng);
    anatomy[caseId] = a;
    const caseSeed = rng.nextUint32() & 0x7fffffff;
    const slices: Slice2D[] = [];
    for (let k = 0; k < slicesPerCase; k++) {
      const level = slicesPerCase === 1 ? 0.3 : 0.05 + (0.9 * k) / (slicesPerCase - 1);
      slices.push(cardiacPhantom({ size, seed: caseSeed + k, anatomy: a, sliceLevel: level, id: `${caseId}_slice_${k}`, caseId }));
    }
    return { caseId, slices };
  };
  const train: Slice2D[] = [];
  for (let i = 0; i < cases; i++) train.push(...makeCase(i).slices);
  const val: Volume3D[] = [];
  for (let i = cases; i < cases + valCases; i++) {
    const { caseId, slices } = makeCase(i);
    val.push(slicesToVolume(slices, { id: caseId, caseId, spacing: [10, 1.5, 1.5] }));
  }
  return { train, val, anatomy };
}
