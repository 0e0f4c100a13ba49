export { main } from './run-cli';
export type { CliIo } from './run-cli';
export { train, buildStudent } from './train';
export type { TrainOptions, TrainResult, StepRecord, ValRecord } from './train';
export { evaluateRun, readRunConfig } from './evaluate-run';
export type { EvaluateRunOptions } from './evaluate-run';
export { predict, listInputs, readImageFile, readVolumeFile } from './predict';
export type { PredictOptions } from './predict';
export {
  TrainConfigSchema,
  DEFAULT_CONFIG,
  METHODS,
  DATASETS,
  BACKENDS,
  OPTIMIZERS,
  SAMPLER_DRAWS,
  TEACHER_FORWARDS,
  AUGMENT_SCHEMES,
  LABELED_ORDERS,
  INIT_SCHEMES,
  parseConfigInput,
  parseFlagValues,
  readConfigFile,
  resolveConfig,
  resolvedLearningRate,
  resolvedPatchSize,
  migrateLegacyConfig,
  TRAIN_OPTIONS,
  optionsMarkdownTable,
  usesTeacher,
  usesPatches,
} from './config';
export type { TrainConfig, TrainConfigInput, Method, DatasetKind } from './config';
export { UsageError } from './usage-error';
export { semiAgclOptionsOf } from './semi-options';
export { saveCheckpoint, loadCheckpoint, readCheckpointState, recoverCheckpoint, CheckpointWriteError } from './checkpoint';
export type { CheckpointState, LoadedCheckpoint } from './checkpoint';
export { evaluateVolumes, formatEvaluationTable, evaluationCsv } from './evaluation';
export type { EvaluationResult, CaseResult, MetricValues } from './evaluation';
export { segmentVolume } from './inference';
export type { VolumeInput } from './inference';
export { loadTrainingData, loadEvalCases, splitByCase } from './training-data';
export type { TrainingData, EvalCases } from './training-data';
export { drawBatch } from './make-batch';
export type { BatchTensors } from './make-batch';
export { batchIndices } from './batch-schedule';
export { createProgressReporter, formatDuration, formatTerms } from './progress';
export type { ProgressReporter } from './progress';
export { writeReport, writeCurveFigures, writeCaseFigure, mostForegroundSlice } from './report';
export { renderVegaLitePng, lineChartSpec, movingAverage } from './charts';
export type { SeriesPoint } from './charts';
export { overlayRgb, maskPng, panelsPng, CLASS_COLORS } from './overlay';
export { defaultRunFolder, runPaths, readJsonl, appendJsonl, truncateJsonl, writeJsonAtomic, readJson } from './run-folder';
export type { RunSwitches } from './run-folder';
