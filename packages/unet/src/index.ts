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
export { checkUNetArtifacts, UNET_FORMAT, UNET_FORMAT_VERSION, UNET_MODEL_FILE, UNET_WEIGHTS_FILE } from './unet-artifacts';
export { readUNetFolder, writeUNetFolder } from './unet-folder';
export type { UNetArtifacts, UNetSaveResult } from './unet-artifacts';
