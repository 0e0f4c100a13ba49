export type { NumericArray, Shape, Spacing } from './validate.js';
export type { EmptyMaskOptions } from './empty-mask-policy.js';
export { euclideanDistanceTransform, type EuclideanDistanceTransformOptions } from './euclidean-distance-transform.js';
export { surfaceMask, type SurfaceMaskOptions } from './surface.js';
export { directedSurfaceDistances, type SurfaceDistanceOptions } from './surface-distances.js';
export { percentile } from './percentile.js';
export { dice, jaccard, precision, recall, type OverlapOptions } from './overlap-metrics.js';
export {
  hausdorff,
  hd95,
  asd,
  assd,
  surfaceDistanceMetrics,
  type DistanceOptions,
  type SurfaceDistanceMetrics,
} from './distance-metrics.js';
export {
  computeMetrics,
  METRIC_NAMES,
  type ClassMetrics,
  type ComputeMetricsOptions,
  type MetricName,
} from './compute-metrics.js';
export {
  SegmentationMetric,
  aggregateMetricRecords,
  nanStats,
  type AggregateOptions,
  type CaseRecord,
  type ClassAggregate,
  type MetricAggregate,
  type MetricStats,
  type SegmentationMetricOptions,
  type SegmentationMetricUpdate,
} from './segmentation-metric.js';
export { formatMetricTable, type FormatMetricTableOptions } from './format-metric-table.js';
export { connectedComponents, type Connectivity, type ConnectedComponents } from './connected-components.js';
export {
  computeObjectMetrics,
  objectF1,
  objectDice,
  objectHausdorff,
  type ObjectMetrics,
  type ObjectMetricsOptions,
} from './object-metrics.js';
