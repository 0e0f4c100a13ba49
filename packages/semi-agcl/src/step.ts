import * as tf from '@tensorflow/tfjs-core';
import { averagePatchEntropy, poolPatchEmbeddings, samplePatches, type PatchSample } from '@agcl/sampler';
import { affinityGraphLoss, patchContrastiveLoss } from '@agcl/affinity-loss';
import { EmaTeacher, sigmoidRampup, softmaxMse, supervisedLoss, trainStep } from '@agcl/mean-teacher';
import { patchDiagnostics, type PatchDiagnostics } from './diagnostics';
import type { ModelOutput, SegmentationModel } from './model';
import { resolveSemiAgclOptions, resolvedPatchSize, type SemiAgclOptions, type SemiAgclOptionsInput } from './options';
import { stepSeeds, type StepSeeds } from './seeds';
import { noisyInput, rows, teacherForwardOptions } from './teacher';

/** One step's inputs. The caller owns and disposes the tensors. */
export interface StepBatch {
  /** Labeled images `[Nl,H,W,C]` float32. */
  xl: tf.Tensor4D;
  /** Their labels `[Nl,H,W]` int32 in [0, K). */
  yl: tf.Tensor3D;
  /** Unlabeled images `[Nu,H,W,C]` (null: no unlabeled stream; methods with a teacher then run supervised). */
  xu: tf.Tensor4D | null;
}

/** What a step reports (plain numbers). */
export interface StepResult {
  /** Total `L = L_sup + w(t) sum_k lambda_k L_k`. */
  loss: number;
  /** Unweighted terms: supervised, consistency, contrastive, affinity and any extra ones. */
  terms: Record<string, number>;
  /** w(t), the ramp-up multiplier of the extra terms (0 without a teacher). */
  rampup: number;
  /** Unique patches sampled (0 for methods without patches). */
  patches: number;
  /** Learning rate the update used (null when the step does not set it). */
  learningRate: number | null;
  /** What the sampled patches give the patch losses (null for methods without patches). */
  diagnostics: PatchDiagnostics | null;
}

/** What a patch sampler receives: the patch-entropy maps of the batch (labeled images first). */
export interface PatchSamplerInput {
  /** APE(k, c), row-major `[N, rows, cols, K]`. */
  ape: Float32Array;
  /** Mean confidence mu(k, c), same layout. */
  meanConfidence: Float32Array;
  shape: [number, number, number, number];
  /** This step's sampler seed. */
  seed: number;
  /** The sampler options. */
  options: SemiAgclOptions['sampler'];
}

/** Chooses the patches of a step; the default is {@link defaultPatchSampler}. */
export type PatchSampler = (input: PatchSamplerInput) => PatchSample | Promise<PatchSample>;

/** `samplePatches` of `@agcl/sampler` with the step's options. */
export const defaultPatchSampler: PatchSampler = ({ ape, meanConfidence, shape, seed, options }) =>
  samplePatches(ape, meanConfidence, shape, {
    samplesPerClass: options.samplesPerClass,
    draw: options.draw,
    delta: options.delta,
    maxPatches: options.maxPatches,
    seed,
    mode: options.mode,
  });

/** The sampled patches of a step, as an extra loss term sees them. */
export interface PatchContext {
  sample: PatchSample;
  /** Student patch embeddings `[P, d]` (inside the tape: gradients flow). */
  student: tf.Tensor2D;
  /** Teacher patch embeddings `[P, d]` (no gradient). */
  teacher: tf.Tensor2D;
  /** Patch confidence vectors q `[P, K]`. */
  confidence: tf.Tensor2D;
}

/** Everything an extra loss term may use. Tensors belong to the step; do not dispose them. */
export interface TermContext {
  step: number;
  /** Student output on all images of the step (labeled first, then unlabeled). */
  student: ModelOutput;
  /** The images the student saw `[Nl + Nu,H,W,C]`. */
  x: tf.Tensor4D;
  numLabeled: number;
  numUnlabeled: number;
  /** One-hot labels `[Nl,H,W,K]` float32. */
  labelsOneHot: tf.Tensor4D;
  /** Teacher logits on the unlabeled images (null without a teacher). */
  teacherLogits: tf.Tensor4D | null;
  /** Null when the method samples no patches or fewer than 2 were drawn. */
  patches: PatchContext | null;
}

/** A loss term of your own, added as `w(t) * weight * loss(ctx)` (ramped like the built-in extra terms). */
export interface ExtraTerm {
  weight: number;
  /** Computes a scalar inside the gradient tape. */
  loss(ctx: TermContext): tf.Scalar;
}

/** What {@link SemiAgcl} trains. */
export interface SemiAgclSetup {
  student: SegmentationModel;
  /** The EMA teacher, a second instance of the student's architecture (required when the method has one). */
  teacher?: SegmentationModel | null;
  /** A `tf.Optimizer`, or the handle `createOptimizer` of `@agcl/mean-teacher` returns. */
  optimizer: tf.Optimizer | { optimizer: tf.Optimizer };
  /** K, the number of classes (background included). */
  numClasses: number;
  options?: SemiAgclOptionsInput;
  /** The learning rate of each step, or a schedule `(step) => lr` (e.g. poly). Default: the optimiser's own. */
  learningRate?: number | ((step: number) => number);
  /** Replaces the entropy-driven patch sampler. */
  sampler?: PatchSampler;
  /** Loss terms of your own, by name (not 'supervised', 'consistency', 'contrastive' or 'affinity'). */
  extraTerms?: Record<string, ExtraTerm>;
  /**
   * Called (and awaited) as each phase of a step ends: 'teacher' (forward), 'sampler' (entropy,
   * sampling, teacher patch embeddings), 'student' (losses, gradients, update), 'ema'. For profiling;
   * a phase a method does not run is still reported.
   */
  onPhase?: (phase: StepPhase) => void | Promise<void>;
}

/** The phases of a step, in order (see {@link SemiAgclSetup.onPhase}). */
export type StepPhase = 'teacher' | 'sampler' | 'student' | 'ema';

/** Shapes of a step's batch: xl `[N,H,W,C]`, yl `[N,H,W]` int32, xu `[M,H,W,C]`; an error names the field. */
function checkBatch(batch: StepBatch): void {
  const shape = (t: tf.Tensor | null | undefined) => (t instanceof tf.Tensor ? `[${t.shape.join(', ')}]` : String(t));
  const { xl, yl, xu } = batch ?? ({} as StepBatch);
  if (!(xl instanceof tf.Tensor) || xl.rank !== 4) throw new Error(`SemiAgcl.step: batch.xl must be a tensor [N,H,W,C]; got ${shape(xl)}`);
  const [n, h, w, c] = xl.shape;
  if (!(yl instanceof tf.Tensor) || yl.rank !== 3 || yl.shape[0] !== n || yl.shape[1] !== h || yl.shape[2] !== w || yl.dtype !== 'int32') {
    throw new Error(`SemiAgcl.step: batch.yl must be an int32 tensor [${n}, ${h}, ${w}] like batch.xl; got ${shape(yl)}${yl instanceof tf.Tensor ? ` ${yl.dtype}` : ''}`);
  }
  if (xu != null && (!(xu instanceof tf.Tensor) || xu.rank !== 4 || xu.shape[1] !== h || xu.shape[2] !== w || xu.shape[3] !== c)) {
    throw new Error(`SemiAgcl.step: batch.xu must be null or a tensor [M, ${h}, ${w}, ${c}] like batch.xl; got ${shape(xu)}`);
  }
}

const BUILT_IN_TERMS = new Set(['supervised', 'consistency', 'contrastive', 'affinity']);

/** The tensors of one step outside the gradient tape (disposed at its end). */
interface StepTensors {
  x: tf.Tensor4D;
  labelsOneHot: tf.Tensor4D;
  numLabeled: number;
  numUnlabeled: number;
  withTeacher: boolean;
  withPatches: boolean;
  seeds: StepSeeds;
  teacherLogits: tf.Tensor4D | null;
  teacherEmbeddings: tf.Tensor4D | null;
  sample: PatchSample | null;
  zTeacher: tf.Tensor2D | null;
  q: tf.Tensor2D | null;
  patchSize: number;
}

/**
 * Semi-AGCL (and its baselines) as one training step over a student, an EMA teacher and an optimiser.
 * Each {@link SemiAgcl.step}:
 *
 * 1. sets the learning rate (when given);
 * 2. teacher forward (no gradient) on the noised input in the mode `options.teacher.forward`;
 * 3. confidence maps M: one-hot labels for the labeled images, teacher softmax for the unlabeled;
 * 4. average patch entropy (intensity = the input image), inter-patch sampling (the injectable
 *    `sampler`), teacher patch embeddings;
 * 5. inside the tape: student forward, `L_sup = 0.5 (CE + Dice)` on the labeled images, softmax-MSE
 *    consistency on the unlabeled, patch contrastive and affinity-graph losses on the student's patch
 *    embeddings, and any `extraTerms`; `trainStep` of `@agcl/mean-teacher` checks the total is finite,
 *    then updates;
 * 6. the teacher's EMA update.
 *
 * Methods without a teacher run step 5 on the labeled images only; 'mean-teacher' adds consistency.
 * Every random draw is seeded by (seed, stream, step) ({@link stepSeeds}), so a resumed run repeats.
 *
 * @example
 * ```ts
 * const semi = new SemiAgcl({ student, teacher: student.clone(), optimizer, numClasses: 4 });
 * const { loss, terms } = await semi.step({ xl, yl, xu }, step);
 * ```
 * @throws NonFiniteLossError (from trainStep) with the weights, optimiser and teacher untouched.
 */
export class SemiAgcl {
  readonly options: SemiAgclOptions;
  readonly student: SegmentationModel;
  readonly teacher: SegmentationModel | null;
  readonly numClasses: number;
  private readonly optimizer: tf.Optimizer;
  private readonly ema: EmaTeacher | null;
  private readonly learningRate: ((step: number) => number) | null;
  private readonly sampler: PatchSampler;
  private readonly extraTerms: Record<string, ExtraTerm>;
  private readonly onPhase: (phase: StepPhase) => void | Promise<void>;

  constructor(setup: SemiAgclSetup) {
    if (setup == null || typeof setup !== 'object') throw new Error('SemiAgcl: argument must be an object { student, teacher, optimizer, numClasses, options? }');
    this.options = resolveSemiAgclOptions(setup.options ?? {});
    if (!Number.isInteger(setup.numClasses) || setup.numClasses < 2) throw new Error(`SemiAgcl: option 'numClasses' must be an integer >= 2; got ${setup.numClasses}`);
    if (typeof setup.student?.forward !== 'function') throw new Error("SemiAgcl: option 'student' must be a model with forward() and trainableVariables()");
    this.student = setup.student;
    this.teacher = setup.teacher ?? null;
    if (this.options.method.teacher && !this.teacher) throw new Error(`SemiAgcl: method '${this.options.method.name}' needs option 'teacher' (e.g. student.clone())`);
    this.numClasses = setup.numClasses;
    this.optimizer = 'optimizer' in setup.optimizer ? setup.optimizer.optimizer : setup.optimizer;
    const withEma = this.teacher !== null && this.options.method.teacher;
    this.ema = withEma ? new EmaTeacher({ student: this.student, teacher: this.teacher as SegmentationModel, emaDecay: this.options.emaDecay, averageBuffers: true }) : null;
    const lr = setup.learningRate;
    if (lr !== undefined && typeof (this.optimizer as { setLearningRate?: unknown }).setLearningRate !== 'function') {
      throw new Error("SemiAgcl: option 'learningRate' needs an optimizer with setLearningRate() (tf.train.sgd, or createOptimizer of @agcl/mean-teacher for Adam); tf.train.adam has none");
    }
    this.learningRate = lr === undefined ? null : typeof lr === 'function' ? lr : () => lr;
    this.sampler = setup.sampler ?? defaultPatchSampler;
    this.extraTerms = { ...(setup.extraTerms ?? {}) };
    this.onPhase = setup.onPhase ?? (() => undefined);
    for (const name of Object.keys(this.extraTerms)) {
      if (BUILT_IN_TERMS.has(name)) throw new Error(`SemiAgcl: extra term '${name}' has the name of a built-in term`);
      if (typeof this.extraTerms[name]?.loss !== 'function') throw new Error(`SemiAgcl: extra term '${name}' must be { weight, loss(ctx) }`);
    }
  }

  /** Runs one optimisation step (see the class description). The caller disposes the batch. */
  async step(batch: StepBatch, step: number): Promise<StepResult> {
    const keep: tf.Tensor[] = [];
    try {
      const s = this.prepare(batch, step, keep);
      this.teacherPass(batch, s, keep);
      await this.onPhase('teacher');
      if (s.withPatches) await this.drawPatches(s, keep);
      await this.onPhase('sampler');
      const learningRate = this.learningRate ? this.learningRate(step) : null;
      const weights = this.termWeights(s);
      const rampup = s.withTeacher ? sigmoidRampup(step, this.options.rampupSteps) : 0;
      const result = await trainStep({
        variables: this.student.trainableVariables(),
        optimizer: this.optimizer,
        step,
        weights,
        rampup,
        ...(learningRate !== null ? { learningRate } : {}),
        // a rejected step leaves the student's buffers (batch-norm running statistics) as they were
        restoreOnNonFinite: this.student.nonTrainableVariables?.() ?? [],
        losses: () => this.lossTerms(s, weights, step),
      });
      await this.onPhase('student');
      this.ema?.update(step);
      await this.onPhase('ema');
      const diagnostics = s.sample ? patchDiagnostics(s.sample, this.options.affinity.threshold) : null;
      return { loss: result.loss, terms: result.terms, rampup, patches: s.sample?.count ?? 0, learningRate, diagnostics };
    } finally {
      for (const t of keep) t.dispose();
    }
  }

  /** Inputs, one-hot labels and which parts run this step. */
  private prepare(batch: StepBatch, step: number, keep: tf.Tensor[]): StepTensors {
    checkBatch(batch);
    const { method, weights } = this.options;
    const withTeacher = method.teacher && this.teacher !== null && batch.xu !== null;
    const withPatches = withTeacher && method.patches && (weights.contrastive > 0 || weights.affinity > 0);
    const patchSize = resolvedPatchSize(this.options.patchSize, batch.xl.shape[1]);
    if (withPatches && (batch.xl.shape[1] % patchSize !== 0 || batch.xl.shape[2] % patchSize !== 0)) {
      throw new Error(`SemiAgcl.step: option 'patchSize' ${patchSize} must divide the image size ${batch.xl.shape[1]}x${batch.xl.shape[2]}`);
    }
    const x = withTeacher ? tf.concat([batch.xl, batch.xu as tf.Tensor4D], 0) : batch.xl;
    if (x !== batch.xl) keep.push(x);
    // One-hot labels built as int32 then cast: tfjs-backend-wasm 4.22's OneHot kernel ignores a
    // float32 dtype (it writes int32 bits), so tf.oneHot(..., 'float32') is wrong there.
    const labelsOneHot = tf.tidy(() => tf.cast(tf.oneHot(batch.yl, this.numClasses), 'float32')) as tf.Tensor4D;
    keep.push(labelsOneHot);
    return {
      x,
      labelsOneHot,
      numLabeled: batch.xl.shape[0],
      numUnlabeled: withTeacher ? (batch.xu as tf.Tensor4D).shape[0] : 0,
      withTeacher,
      withPatches,
      seeds: stepSeeds(this.options.seed, step),
      teacherLogits: null,
      teacherEmbeddings: null,
      sample: null,
      zTeacher: null,
      q: null,
      patchSize,
    };
  }

  /** The teacher's forward, outside the tape: its logits on the unlabeled images (and embeddings of all). */
  private teacherPass(batch: StepBatch, s: StepTensors, keep: tf.Tensor[]): void {
    if (!s.withTeacher || !this.teacher) return;
    const { forward, noiseStd, noiseClip } = this.options.teacher;
    const input = noisyInput(s.withPatches ? s.x : (batch.xu as tf.Tensor4D), noiseStd, noiseClip, s.seeds.noise);
    keep.push(input);
    const teacher = this.teacher;
    // in a tidy: whatever else a model's forward creates is freed
    const out = tf.tidy(() => {
      const o = teacher.forward(input, { ...teacherForwardOptions(forward, s.seeds.teacherDropout), embeddings: s.withPatches });
      return o.embeddings && s.withPatches ? { logits: o.logits, embeddings: o.embeddings } : { logits: o.logits };
    }) as ModelOutput;
    keep.push(out.logits);
    if (out.embeddings) keep.push(out.embeddings);
    s.teacherEmbeddings = out.embeddings ?? null;
    s.teacherLogits = s.withPatches ? rows(out.logits, s.numLabeled, s.numUnlabeled) : out.logits;
    if (s.teacherLogits !== out.logits) keep.push(s.teacherLogits);
  }

  /** Confidence maps, average patch entropy, the sampler, and the teacher's patch embeddings. */
  private async drawPatches(s: StepTensors, keep: tf.Tensor[]): Promise<void> {
    const confidence = tf.tidy(() => tf.concat([s.labelsOneHot, tf.softmax(s.teacherLogits as tf.Tensor4D)], 0)) as tf.Tensor4D;
    keep.push(confidence);
    const { beta, bins } = this.options.entropy;
    const ape = averagePatchEntropy(confidence, { patchSize: s.patchSize, stride: s.patchSize, intensity: s.x, beta, bins });
    keep.push(ape.ape, ape.meanConfidence);
    const [apeValues, muValues] = await Promise.all([ape.ape.data(), ape.meanConfidence.data()]);
    const shape = ape.ape.shape as [number, number, number, number];
    s.sample = await this.sampler({ ape: apeValues as Float32Array, meanConfidence: muValues as Float32Array, shape, seed: s.seeds.sampler, options: this.options.sampler });
    if (s.sample.count < 2) return;
    s.zTeacher = poolPatchEmbeddings(s.teacherEmbeddings as tf.Tensor4D, s.sample, { patchSize: s.patchSize, stride: s.patchSize });
    keep.push(s.zTeacher);
    s.q = tf.tensor2d(s.sample.confidence, [s.sample.count, this.numClasses]);
    keep.push(s.q);
  }

  /** lambda of every extra term that runs this step. */
  private termWeights(s: StepTensors): Record<string, number> {
    const { weights } = this.options;
    const out: Record<string, number> = {};
    if (s.withTeacher) out.consistency = weights.consistency;
    if (s.zTeacher && weights.contrastive > 0) out.contrastive = weights.contrastive;
    if (s.zTeacher && weights.affinity > 0) out.affinity = weights.affinity;
    for (const [name, term] of Object.entries(this.extraTerms)) out[name] = term.weight;
    return out;
  }

  /** The loss terms, computed inside the gradient tape. */
  private lossTerms(s: StepTensors, weights: Record<string, number>, step: number): Record<string, tf.Scalar> {
    const out = this.student.forward(s.x, { training: true, embeddings: s.zTeacher !== null, seed: s.seeds.studentDropout });
    const logitsL = s.withTeacher ? rows(out.logits, 0, s.numLabeled) : out.logits;
    const terms: Record<string, tf.Scalar> = { supervised: supervisedLoss(logitsL, s.labelsOneHot) };
    if (s.withTeacher && s.teacherLogits) terms.consistency = softmaxMse(rows(out.logits, s.numLabeled, s.numUnlabeled), s.teacherLogits);
    let patches: PatchContext | null = null;
    if (s.zTeacher && s.sample && s.q && out.embeddings) {
      const grid = { patchSize: s.patchSize, stride: s.patchSize };
      patches = { sample: s.sample, student: poolPatchEmbeddings(out.embeddings, s.sample, grid), teacher: s.zTeacher, confidence: s.q };
      if (weights.contrastive !== undefined) {
        terms.contrastive = patchContrastiveLoss(patches.student, s.zTeacher, s.sample.groups, { temperature: this.options.contrastive.temperature });
      }
      if (weights.affinity !== undefined) {
        terms.affinity = affinityGraphLoss(patches.student, s.zTeacher, s.q, this.options.affinity);
      }
    }
    const ctx: TermContext = { step, student: out, x: s.x, numLabeled: s.numLabeled, numUnlabeled: s.numUnlabeled, labelsOneHot: s.labelsOneHot, teacherLogits: s.teacherLogits, patches };
    for (const [name, term] of Object.entries(this.extraTerms)) terms[name] = term.loss(ctx);
    return terms;
  }
}
