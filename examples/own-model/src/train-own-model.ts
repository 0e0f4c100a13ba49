import * as tf from '@tensorflow/tfjs-core';
import { formatBackendReport, initBackend } from '@agcl/backend';
import { SemiAgcl, fit, methodSpec, type FitResult, type FitStepRecord, type SemiAgclOptionsInput } from '@agcl/semi-agcl';
import { asSegmentationModel, createOwnModel } from './own-model';
import { CLASS_NAMES, drawBatch, evaluate, phantomSplit, type Evaluation } from './phantom-data';

/** Options of {@link trainOwnModel}; the defaults run in well under a minute on 2 CPU cores. */
export interface TrainOwnModelOptions {
  /** Training steps. Default 80. */
  steps?: number;
  /** Image side in pixels (a multiple of 8). Default 48. */
  size?: number;
  /** Labeled / unlabeled slices per step. Default 4 / 4. */
  labeledBatch?: number;
  unlabeledBatch?: number;
  /** Print a loss line every this many steps. Default 10. */
  logEvery?: number;
  /** Seed of the data, the weights and the step. Default 1. */
  seed?: number;
  /** Labeled / unlabeled training patients (6 slices each) and held-out patients. Default 2 / 8 / 4. */
  labeledCases?: number;
  unlabeledCases?: number;
  heldOutCases?: number;
  /** Adam learning rate. Default 0.01. */
  learningRate?: number;
  /** 'wasm' (default) or 'cpu' (tfjs-backend-cpu's conv gradients are about 100x slower). */
  backend?: 'cpu' | 'wasm';
  /** Options of the Semi-AGCL step, over this example's (stratified draw, ramp-up over the run) and the package's defaults. */
  semiAgcl?: SemiAgclOptionsInput;
  /** Where lines go. Default console.log. */
  log?: (line: string) => void;
  /** Called after every step (the test records the tensor count here). */
  onStep?: (record: FitStepRecord) => void;
}

export interface TrainOwnModelResult {
  history: FitStepRecord[];
  fit: FitResult;
  evaluation: Evaluation;
}

/** Trains the tfjs-layers model of `own-model.ts` with `SemiAgcl` + `fit` on cardiac phantoms, then scores held-out patients. */
export async function trainOwnModel(o: TrainOwnModelOptions = {}): Promise<TrainOwnModelResult> {
  const { steps = 80, size = 48, labeledBatch = 4, unlabeledBatch = 4, logEvery = 10, seed = 1, learningRate = 0.01 } = o;
  const log = o.log ?? ((line: string) => console.log(line));
  log(formatBackendReport(await initBackend({ backend: o.backend ?? 'wasm' })));
  const { labeledCases = 2, unlabeledCases = 8, heldOutCases = 4 } = o;
  const method = methodSpec(o.semiAgcl?.method ?? 'semi-agcl');
  // 'full' (allLabeled): every training patient keeps its labels, the upper bound on the same data.
  const all = method.allLabeled;
  const split = phantomSplit({ size, labeledCases: all ? labeledCases + unlabeledCases : labeledCases, unlabeledCases: all ? 0 : unlabeledCases, heldOutCases, slicesPerCase: 6, seed });
  log(`data: ${split.labeled.length} labeled + ${split.unlabeled.length} unlabeled ${size}x${size} phantom slices, ${split.heldOut.length} held-out patients`);

  // --- the model of your own, wrapped, and its EMA teacher (a second instance with the same weights)
  const numClasses = CLASS_NAMES.length;
  const student = asSegmentationModel(createOwnModel({ numClasses, seed }));
  const teacher = asSegmentationModel(createOwnModel({ numClasses, seed }));
  teacher.model.setWeights(student.model.getWeights());
  const optimizer = tf.train.adam(learningRate);
  const semi = new SemiAgcl({ student, teacher, optimizer, numClasses, options: {
    method: 'semi-agcl', seed, rampupSteps: steps, ...o.semiAgcl,
    sampler: { draw: 'stratified', ...o.semiAgcl?.sampler }, // 'pool' rarely draws 2 positives of a small class at this size
  } });

  // --- train
  const history: FitStepRecord[] = [];
  const result = await fit({
    semi,
    steps,
    batch: (step) => drawBatch(split, step, labeledBatch, method.teacher ? unlabeledBatch : 0, seed),
    onStep: (r) => {
      history.push(r);
      o.onStep?.(r);
      if (r.step % logEvery === 0 || r.step === 1 || r.step === steps) {
        const terms = Object.entries(r.terms).map(([k, v]) => `${k} ${v.toFixed(3)}`).join('  ');
        log(`step ${String(r.step).padStart(3)}  loss ${r.loss.toFixed(4)}  (${terms}; ${r.patches} patches, ${r.seconds.toFixed(2)} s)`);
      }
    },
  });
  if (result.status !== 'completed') log(`training ended early: ${result.status} ${result.reason ?? result.error?.message ?? ''}`);

  // --- held-out Dice next to the trivial baseline
  const evaluation = evaluate(student, split.heldOut, numClasses);
  const pct = (v: number) => (100 * v).toFixed(1);
  log(`held-out Dice ${CLASS_NAMES.slice(1).map((c, i) => `${c} ${evaluation.dicePerClass[i].toFixed(3)}`).join('  ')}  mean ${evaluation.meanDice.toFixed(3)}` +
    `  (predict-all-background: ${evaluation.baseline.meanDice.toFixed(3)})`);
  log(`held-out pixel accuracy ${pct(evaluation.pixelAccuracy)}%  (predict-all-background: ${pct(evaluation.baseline.pixelAccuracy)}%)`);

  student.model.dispose();
  teacher.model.dispose();
  optimizer.dispose();
  return { history, fit: result, evaluation };
}
