import { SeededRandom, type SeededRandomState } from './seeded-random';

/** Options of {@link TwoStreamBatchSampler}. */
export interface TwoStreamBatchSamplerOptions {
  /** Labeled (primary) stream: a count n (indices 0..n-1) or the explicit indices. */
  labeled: number | readonly number[];
  /** Unlabeled (secondary) stream: a count m (indices 0..m-1) or the explicit indices. */
  unlabeled: number | readonly number[];
  /** Labeled items per batch (>= 1). */
  labeledBatch: number;
  /** Unlabeled items per batch (>= 0; 0 gives labeled-only batches). */
  unlabeledBatch: number;
  /** Shuffle seed. Default 0. */
  seed?: number;
}

/** One batch: labeled indices first, then unlabeled. */
export interface TwoStreamBatch {
  /** Indices drawn from the labeled stream. */
  labeled: number[];
  /** Indices drawn from the unlabeled stream. */
  unlabeled: number[];
  /** Epoch (0-based) of the labeled stream this batch belongs to. */
  epoch: number;
  /** Batch number within the epoch (0-based). */
  batchInEpoch: number;
}

/** Saveable state of a {@link TwoStreamBatchSampler} (JSON-serialisable). */
export interface TwoStreamBatchSamplerState {
  epoch: number;
  /** Next batch within the epoch. */
  position: number;
  /** Labeled order of the current epoch (positions into the labeled stream). */
  primaryOrder: number[];
  /** Unlabeled order of the current pass. */
  secondaryOrder: number[];
  /** Next position in `secondaryOrder`. */
  secondaryPosition: number;
  rng: SeededRandomState;
  /** Configuration check: sizes and batch sizes the state was made with. */
  config: { labeled: number; unlabeled: number; labeledBatch: number; unlabeledBatch: number };
}

/**
 * Two-stream batch sampler, as SSL4MIS's `TwoStreamBatchSampler`: each batch is `labeledBatch`
 * indices from the labeled (primary) stream followed by `unlabeledBatch` from the unlabeled
 * (secondary) stream. The labeled stream is iterated once per epoch in a freshly shuffled order
 * (an incomplete last group is dropped, so an epoch has `floor(labeled / labeledBatch)` batches);
 * the unlabeled stream is cycled endlessly, reshuffled at the start of every pass. (SSL4MIS restarts
 * the unlabeled cycle each epoch; here it continues across epochs, so every unlabeled item is used
 * once before any repeats.) Seeded; `getState()` / `setState()` resume exactly.
 *
 * @example
 * const s = new TwoStreamBatchSampler({ labeled: 136, unlabeled: 1176, labeledBatch: 4, unlabeledBatch: 4, seed: 1337 });
 * const b = s.next();                     // { labeled: [..4], unlabeled: [..4], epoch: 0, batchInEpoch: 0 }
 * for (const batch of s.epoch()) { ... }  // the rest of the current epoch
 * const saved = JSON.stringify(s.getState());
 */
export class TwoStreamBatchSampler {
  private readonly primary: number[];
  private readonly secondary: number[];
  readonly labeledBatch: number;
  readonly unlabeledBatch: number;
  private rng: SeededRandom;
  private epochIndex = 0;
  private position = 0;
  private primaryOrder: number[] = [];
  private secondaryOrder: number[] = [];
  private secondaryPosition = 0;

  constructor(options: TwoStreamBatchSamplerOptions) {
    const { labeledBatch, unlabeledBatch, seed = 0 } = options ?? ({} as TwoStreamBatchSamplerOptions);
    const toIndices = (v: number | readonly number[], name: string): number[] => {
      if (typeof v === 'number') {
        if (!(Number.isInteger(v) && v >= 0)) throw new Error(`TwoStreamBatchSampler: argument 'options.${name}' must be a non-negative integer or an index array, got ${v}`);
        return Array.from({ length: v }, (_, i) => i);
      }
      if (!Array.isArray(v) || !v.every((i) => Number.isInteger(i))) {
        throw new Error(`TwoStreamBatchSampler: argument 'options.${name}' must be a non-negative integer or an index array`);
      }
      return [...v];
    };
    this.primary = toIndices(options.labeled, 'labeled');
    this.secondary = toIndices(options.unlabeled, 'unlabeled');
    if (!(Number.isInteger(labeledBatch) && labeledBatch >= 1)) {
      throw new Error(`TwoStreamBatchSampler: argument 'options.labeledBatch' must be an integer >= 1, got ${labeledBatch}`);
    }
    if (!(Number.isInteger(unlabeledBatch) && unlabeledBatch >= 0)) {
      throw new Error(`TwoStreamBatchSampler: argument 'options.unlabeledBatch' must be an integer >= 0, got ${unlabeledBatch}`);
    }
    if (this.primary.length < labeledBatch) {
      throw new Error(`TwoStreamBatchSampler: ${this.primary.length} labeled items are fewer than 'labeledBatch' = ${labeledBatch}`);
    }
    if (unlabeledBatch > 0 && this.secondary.length === 0) {
      throw new Error(`TwoStreamBatchSampler: 'unlabeledBatch' = ${unlabeledBatch} needs unlabeled items, got none`);
    }
    this.labeledBatch = labeledBatch;
    this.unlabeledBatch = unlabeledBatch;
    this.rng = new SeededRandom(seed);
    this.primaryOrder = this.rng.permutation(this.primary.length);
    this.secondaryOrder = this.rng.permutation(this.secondary.length);
  }

  /** Batches per epoch: `floor(labeled / labeledBatch)` (SSL4MIS's `__len__`). */
  get batchesPerEpoch(): number {
    return Math.floor(this.primary.length / this.labeledBatch);
  }

  /** Current epoch (0-based). */
  get currentEpoch(): number {
    return this.epochIndex;
  }

  /** The next batch; rolls over into the next epoch (new labeled shuffle) when one ends. */
  next(): TwoStreamBatch {
    if (this.position >= this.batchesPerEpoch) {
      this.epochIndex++;
      this.position = 0;
      this.primaryOrder = this.rng.permutation(this.primary.length);
    }
    const start = this.position * this.labeledBatch;
    const labeled = this.primaryOrder.slice(start, start + this.labeledBatch).map((i) => this.primary[i]);
    const unlabeled: number[] = [];
    for (let k = 0; k < this.unlabeledBatch; k++) {
      if (this.secondaryPosition >= this.secondaryOrder.length) {
        this.secondaryOrder = this.rng.permutation(this.secondary.length);
        this.secondaryPosition = 0;
      }
      unlabeled.push(this.secondary[this.secondaryOrder[this.secondaryPosition++]]);
    }
    const batch: TwoStreamBatch = { labeled, unlabeled, epoch: this.epochIndex, batchInEpoch: this.position };
    this.position++;
    return batch;
  }

  /** Yields the remaining batches of the current epoch (a whole epoch when called at its start). */
  *epoch(): Generator<TwoStreamBatch> {
    if (this.position >= this.batchesPerEpoch) {
      yield this.next();
    }
    const e = this.epochIndex;
    while (this.position < this.batchesPerEpoch && this.epochIndex === e) yield this.next();
  }

  /** Iterates one epoch (as SSL4MIS's sampler does in a `for` loop). */
  [Symbol.iterator](): Iterator<TwoStreamBatch> {
    return this.epoch();
  }

  /** A JSON-serialisable copy of the state (epoch, position, orders, generator). */
  getState(): TwoStreamBatchSamplerState {
    return {
      epoch: this.epochIndex,
      position: this.position,
      primaryOrder: [...this.primaryOrder],
      secondaryOrder: [...this.secondaryOrder],
      secondaryPosition: this.secondaryPosition,
      rng: this.rng.getState(),
      config: {
        labeled: this.primary.length,
        unlabeled: this.secondary.length,
        labeledBatch: this.labeledBatch,
        unlabeledBatch: this.unlabeledBatch,
      },
    };
  }

  /** Restores a state from {@link getState}; the sampler must have the same sizes and batch sizes. */
  setState(state: TwoStreamBatchSamplerState): void {
    const c = state?.config;
    if (
      !c ||
      c.labeled !== this.primary.length ||
      c.unlabeled !== this.secondary.length ||
      c.labeledBatch !== this.labeledBatch ||
      c.unlabeledBatch !== this.unlabeledBatch
    ) {
      throw new Error(
        `TwoStreamBatchSampler.setState: state was made for ${JSON.stringify(c)}, this sampler has ` +
          JSON.stringify({ labeled: this.primary.length, unlabeled: this.secondary.length, labeledBatch: this.labeledBatch, unlabeledBatch: this.unlabeledBatch }),
      );
    }
    this.epochIndex = state.epoch;
    this.position = state.position;
    this.primaryOrder = [...state.primaryOrder];
    this.secondaryOrder = [...state.secondaryOrder];
    this.secondaryPosition = state.secondaryPosition;
    this.rng.setState(state.rng);
  }
}
