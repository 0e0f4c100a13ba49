import sharp from 'sharp';

/** A minimal RGB raster for the example's pictures. */
export class RgbCanvas {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 3);
  }

  set(x: number, y: number, rgb: readonly [number, number, number]): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.data[i] = rgb[0];
    this.data[i + 1] = rgb[1];
    this.data[i + 2] = rgb[2];
  }

  /** Paints a gray map `[h, w]` with values in [0, 1], scaled by `scale`, at (x0, y0). */
  drawGray(values: ArrayLike<number>, w: number, h: number, x0: number, y0: number, scale: number): void {
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const v = Math.round(255 * Math.min(1, Math.max(0, values[Math.floor(y / scale) * w + Math.floor(x / scale)])));
        this.set(x0 + x, y0 + y, [v, v, v]);
      }
    }
  }

  /** Outline of a rectangle, `thickness` pixels wide. */
  drawRect(x: number, y: number, w: number, h: number, rgb: readonly [number, number, number], thickness = 2): void {
    for (let t = 0; t < thickness; t++) {
      for (let i = x; i < x + w; i++) {
        this.set(i, y + t, rgb);
        this.set(i, y + h - 1 - t, rgb);
      }
      for (let j = y; j < y + h; j++) {
        this.set(x + t, j, rgb);
        this.set(x + w - 1 - t, j, rgb);
      }
    }
  }

  async writePng(file: string): Promise<void> {
    await sharp(Buffer.from(this.data), { raw: { width: this.width, height: this.height, channels: 3 } }).png().toFile(file);
  }
}
