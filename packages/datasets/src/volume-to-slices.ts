import type { Slice2D, Volume3D } from './types';

/**
 * Splits a volume `[D, H, W, C]` into its D axial slices (views into the volume's buffers, no copy).
 * Slice ids are `<volume id>_slice_<z>` (the SSL4MIS naming), `caseId` is the volume's `caseId`
 * (or its id), `spacing` the in-plane `[y, x]` of the volume.
 *
 * @example const slices = volumes.flatMap((v) => volumeToSlices(v));
 */
export function volumeToSlices(volume: Volume3D): Slice2D[] {
  const { depth, height, width, channels } = volume;
  const plane = height * width;
  const out: Slice2D[] = [];
  for (let z = 0; z < depth; z++) {
    out.push({
      id: `${volume.id}_slice_${z}`,
      caseId: volume.caseId ?? volume.id,
      image: volume.image.subarray(z * plane * channels, (z + 1) * plane * channels),
      label: volume.label.subarray(z * plane, (z + 1) * plane),
      height,
      width,
      channels,
      originalHeight: volume.originalHeight ?? height,
      originalWidth: volume.originalWidth ?? width,
      ...(volume.spacing ? { spacing: [volume.spacing[1], volume.spacing[2]] as [number, number] } : {}),
      ...(volume.source ? { source: volume.source } : {}),
    });
  }
  return out;
}

/**
 * Stacks 2D slices of equal size into a volume (the inverse of {@link volumeToSlices}); copies.
 * @example const vol = slicesToVolume(slices, { id: 'case001' });
 */
export function slicesToVolume(slices: readonly Slice2D[], meta: { id: string; caseId?: string; spacing?: [number, number, number] }): Volume3D {
  if (slices.length === 0) throw new Error("slicesToVolume: argument 'slices' must not be empty");
  const { height, width, channels } = slices[0];
  for (const s of slices) {
    if (s.height !== height || s.width !== width || s.channels !== channels) {
      throw new Error(`slicesToVolume: slice '${s.id}' is ${s.height}x${s.width}x${s.channels}, expected ${height}x${width}x${channels}`);
    }
  }
  const plane = height * width;
  const image = new Float32Array(slices.length * plane * channels);
  const label = new Uint8Array(slices.length * plane);
  slices.forEach((s, z) => {
    image.set(s.image, z * plane * channels);
    label.set(s.label, z * plane);
  });
  return {
    id: meta.id,
    caseId: meta.caseId ?? slices[0].caseId,
    image,
    label,
    depth: slices.length,
    height,
    width,
    channels,
    originalHeight: height,
    originalWidth: width,
    ...(meta.spacing ? { spacing: meta.spacing } : {}),
  };
}
