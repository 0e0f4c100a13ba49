/**
 * @agcl/semi-agcl: Semi-AGCL as one training step for any TensorFlow.js segmentation model (a student,
 * an EMA teacher and an optimiser), the methods and ablations as data, typed options with their
 * defaults, an injectable patch sampler and extra loss terms, and a small fit loop with hooks.
 */
export { SemiAgcl, defaultPatchSampler } from './step';
export type { ExtraTerm, PatchContext, PatchSampler, PatchSamplerInput, SemiAgclSetup, StepBatch, StepPhase, StepResult, TermContext } from './step';
export { patchDiagnostics, targetGraphFloor } from './diagnostics';
export type { PatchDiagnostics } from './diagnostics';
export { fit } from './fit';
export type { FitHooks, FitOptions, FitResult, FitStepRecord } from './fit';
export { METHODS, METHOD_NAMES, methodSpec } from './methods';
export type { MethodName, MethodSpec } from './methods';
export { DEFAULT_SEMI_AGCL_OPTIONS, SAMPLER_DRAWS, SAMPLING_MODES, TEACHER_FORWARDS, resolveSemiAgclOptions, resolvedPatchSize } from './options';
export type { SemiAgclOptions, SemiAgclOptionsInput } from './options';
export type { ModelForwardOptions, ModelOutput, SegmentationModel } from './model';
export { noisyInput, rows, teacherForwardOptions } from './teacher';
export { STEP_SEED_STREAMS, deriveSeed, stepSeeds } from './seeds';
export type { StepSeeds } from './seeds';
