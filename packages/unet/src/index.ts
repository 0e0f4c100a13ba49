export { UNet } from './unet';
export type { UNetCloneOptions, UNetCountOptions, UNetForwardOptions, UNetOutput } from './unet';
export { DEFAULT_UNET_CONFIG, resolveUNetConfig, unetConfigDifferences } from './unet-config';
export type {
  ResolvedUNetConfig,
  UNetConfig,
  UNetNormalization,
  UNetInitScheme,
  UNetProjectionConfig,
  UNetUpsampling,
} from './unet-config';
export { countUNetParameters, unetParameterSpecs } from './parameter-specs';
export type { CountUNetParametersOptions, UNetInit, UNetParameterSpec } from './parameter-specs';
export { batchNormInference, batchNormTraining, instanceNorm, runningMomentsUpdate } from './normalize';
export type { BatchNormTrainingResult } from './normalize';
export {
  checkUNetArtifacts,
  readUNetFolder,
  UNET_FORMAT,
  UNET_FORMAT_VERSION,
  UNET_MODEL_FILE,
  UNET_WEIGHTS_FILE,
  writeUNetFolder,
} from './unet-artifacts';
export type { UNetArtifacts, UNetSaveResult } from './unet-artifacts';
