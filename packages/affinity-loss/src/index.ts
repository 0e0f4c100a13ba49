export { targetAffinityGraph } from './target-affinity-graph';
export type { TargetAffinityGraphOptions } from './target-affinity-graph';
export { embeddingAffinityGraph } from './embedding-affinity-graph';
export type { EmbeddingAffinityGraphOptions } from './embedding-affinity-graph';
export { affinityGraphLoss } from './affinity-graph-loss';
export type { AffinityGraphLossOptions } from './affinity-graph-loss';
export { patchContrastiveLoss } from './patch-contrastive-loss';
export type { ContrastiveGroup, PatchContrastiveLossOptions } from './patch-contrastive-loss';
export { stopGradient } from './stop-gradient';
