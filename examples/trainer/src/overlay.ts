import sharp from 'sharp';

/** RGB colours of classes 1..: RV red, Myo green, LV blue, then more. Class 0 (background) is not drawn. */
export const CLASS_COLORS: Array<[number, number, number]> = [
  [0, 0, 0],
  [230, 57, 70],
  [42, 157, 84],
  [52, 120, 246],
  [244, 162, 37],
  [155, 89, 182],
  [26, 188, 156],
];

/**
 * Paints a class map over a grey image: a translucent fill of each class colour plus an opaque
 * one-pixel contour where the class changes. Returns RGB bytes [H*W*3].
 *
 * @param image  intensities in [0, 1], [H*W*C] channels-last (C = 1 grey, 3 RGB)
 * @param labels  class per pixel [H*W]; 0 = background (not painted)
 * @param fillAlpha  opacity of the fill (default 0.35)
 */
export function overlayRgb(
  image: Float32Array,
  labels: ArrayLike<number>,
  height: number,
  width: number,
  channels: number,
  fillAlpha = 0.35,
): Uint8Array {
  const out = new Uint8Array(height * width * 3);
  for (let i = 0; i < height * width; i++) {
    for (let c = 0; c < 3; c++) {
      const v = channels >= 3 ? image[i * channels + c] : image[i * channels];
      out[i * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const k = labels[i];
      if (!k) continue;
      const color = CLASS_COLORS[k % CLASS_COLORS.length];
      const edge =
        x === 0 || y === 0 || x === width - 1 || y === height - 1 ||
        labels[i - 1] !== k || labels[i + 1] !== k || labels[i - width] !== k || labels[i + width] !== k;
      const a = edge ? 1 : fillAlpha;
      for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round((1 - a) * out[i * 3 + c] + a * color[c]);
    }
  }
  return out;
}

/** A class map as an 8-bit grey PNG whose pixel value is the class index (0, 1, 2, ...). */
export async function maskPng(labels: ArrayLike<number>, height: number, width: number): Promise<Buffer> {
  return sharp(Buffer.from(Uint8Array.from(labels)), { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

/**
 * Places RGB panels side by side (equal heights), with a white gap, enlarged by nearest-neighbour
 * scaling to at least `minHeight` pixels tall, and encodes the result as PNG.
 */
export async function panelsPng(panels: Uint8Array[], height: number, width: number, minHeight = 192, gap = 4): Promise<Buffer> {
  const totalW = panels.length * width + (panels.length - 1) * gap;
  const canvas = new Uint8Array(height * totalW * 3).fill(255);
  panels.forEach((panel, p) => {
    const x0 = p * (width + gap);
    for (let y = 0; y < height; y++) {
      canvas.set(panel.subarray(y * width * 3, (y + 1) * width * 3), (y * totalW + x0) * 3);
    }
  });
  const factor = Math.max(1, Math.ceil(minHeight / height));
  return sharp(Buffer.from(canvas), { raw: { width: totalW, height, channels: 3 } })
    .resize(totalW * factor, height * factor, { kernel: 'nearest' })
    .png()
    .toBuffer();
}
