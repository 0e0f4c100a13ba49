/** A tiny two-class segmentation task: bright rectangles (class 1) on a noisy dark background. */
export interface SyntheticBatch {
  images: Float32Array; // [N, S, S, 1]
  labels: Int32Array; // [N, S, S]
}

/** Seeded uniforms in [0, 1) (mulberry32). */
export function seededUniforms(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` images of `size x size`, each with one rectangle of random position and size. */
export function syntheticBatch(count: number, size: number, random: () => number): SyntheticBatch {
  const images = new Float32Array(count * size * size);
  const labels = new Int32Array(count * size * size);
  for (let n = 0; n < count; n++) {
    const h = 3 + Math.floor(random() * (size / 2));
    const w = 3 + Math.floor(random() * (size / 2));
    const y0 = Math.floor(random() * (size - h));
    const x0 = Math.floor(random() * (size - w));
    const brightness = 0.55 + 0.3 * random();
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = (n * size + y) * size + x;
        const inside = y >= y0 && y < y0 + h && x >= x0 && x < x0 + w;
        labels[i] = inside ? 1 : 0;
        images[i] = Math.min(1, Math.max(0, (inside ? brightness : 0.2) + 0.15 * (random() - 0.5)));
      }
    }
  }
  return { images, labels };
}
