export type { Slice2D, Volume3D, ReadOptions, ReadProgress, ReadResultBase, SkippedCase } from './types';
export { DatasetError } from './dataset-error';
export { SeededRandom, type SeededRandomState } from './seeded-random';
export { resize2D, resizeSlice, resizeBack, type ResizeMode } from './resize-2d';
export { normalizeMinMax, normalizeZScore } from './normalize';
export { readAcdcH5, type ReadAcdcH5Options, type ReadAcdcH5Result } from './read-acdc-h5';
export { readAcdcNifti, parseAcdcInfo, type ReadAcdcNiftiOptions, type ReadAcdcNiftiResult } from './read-acdc-nifti';
export { readNifti, type NiftiImage } from './read-nifti';
export { checkHdf5File, readHdf5, type Hdf5Kind, type Hdf5Values } from './hdf5';
export { decodeImage, type DecodedImage } from './decode-image';
export {
  readImageMaskFolder,
  readCrag,
  readGlas,
  readMonuseg,
  IMAGE_EXTENSIONS,
  type ReadImageMaskFolderOptions,
  type ReadImageMaskFolderResult,
  type ReadCragOptions,
  type ReadGlasOptions,
} from './read-image-mask-folder';
export { volumeToSlices, slicesToVolume } from './volume-to-slices';
export { patientIdOf } from './patient-id';
export {
  acdcLabeledSplit,
  seededCaseSplit,
  type AcdcLabeledSplitOptions,
  type LabeledSplit,
  type SeededCaseSplitOptions,
} from './splits';
export {
  TwoStreamBatchSampler,
  type TwoStreamBatch,
  type TwoStreamBatchSamplerOptions,
  type TwoStreamBatchSamplerState,
} from './two-stream-batch-sampler';
export { augment, augmentSsl4mis, rot90, flip, rotate, type AugmentOptions } from './augment';
export { cropSlice, randomCrop, slidingPositions, slidingWindowCrops, stitchWindows, type WindowCrop } from './crops';
export { cardiacPhantom, sampleCardiacAnatomy, type CardiacAnatomy, type CardiacPhantomOptions, type PhantomBlob } from './cardiac-phantom';
export { glandPhantom, type GlandPhantomOptions } from './gland-phantom';
export {
  syntheticCardiacDataset,
  type SyntheticCardiacDataset,
  type SyntheticCardiacDatasetOptions,
} from './synthetic-cardiac-dataset';
export { toBatchTensors, type TfModule } from './to-batch-tensors';
