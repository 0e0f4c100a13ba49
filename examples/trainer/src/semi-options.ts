import type { SemiAgclOptionsInput } from '@agcl/semi-agcl';
import type { TrainConfig } from './config';

/** The `@agcl/semi-agcl` step options a training configuration describes. */
export function semiAgclOptionsOf(config: TrainConfig): SemiAgclOptionsInput {
  return {
    method: config.method,
    seed: config.seed,
    weights: { consistency: config.consistencyWeight, contrastive: config.contrastiveWeight, affinity: config.affinityWeight },
    rampupSteps: config.rampupSteps,
    emaDecay: config.emaDecay,
    teacher: { forward: config.teacherForward, noiseStd: config.noiseStd, noiseClip: config.noiseClip },
    patchSize: config.patchSize,
    entropy: { beta: config.beta },
    sampler: { samplesPerClass: config.samplesPerClass, draw: config.samplerDraw, delta: config.delta, maxPatches: config.maxPatches },
    contrastive: { temperature: config.temperature },
    affinity: { temperature: config.graphTemperature, threshold: config.threshold },
  };
}
