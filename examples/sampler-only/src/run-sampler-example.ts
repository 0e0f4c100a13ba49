import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { formatBackendReport, initBackend } from '@agcl/backend';
import { cardiacPhantom } from '@agcl/datasets';
import { averagePatchEntropy, patchGrid, samplePatchesFromTensors, type PatchSample } from '@agcl/sampler';
import { RgbCanvas } from './rgb-canvas';

/** Options of {@link runSamplerExample}. */
export interface SamplerExampleOptions {
  /** Folder for the PNG pictures and `summary.json`. Default `out`. */
  outDir?: string;
  /** Phantom side in pixels. Default 128. */
  size?: number;
  /** Patch side and stride. Defaults 8, 8 (small enough for the thin myocardium at 128 px). */
  patchSize?: number;
  stride?: number;
  /** Patches drawn per class. Default 32. */
  samplesPerClass?: number;
  /** Seed of the phantoms, the simulated teacher and the sampler. Default 1. */
  seed?: number;
  /** Sampling mode. Default 'entropy'. */
  mode?: 'entropy' | 'uniform';
  /** Magnification of the pictures. Default 2. */
  scale?: number;
  /** Where progress lines go. Default console.log. */
  log?: (line: string) => void;
}

/** What the example wrote and sampled. */
export interface SamplerExampleResult {
  files: string[];
  sample: PatchSample;
  /** Mean APE per class over the labeled image and over the unlabeled one. */
  meanApe: { labeled: number[]; unlabeled: number[] };
}

const CLASS_NAMES = ['background', 'RV', 'Myo', 'LV'];
const POSITIVE: readonly [number, number, number] = [40, 220, 60];
const NEGATIVE: readonly [number, number, number] = [230, 40, 40];

/**
 * Two cardiac phantoms (`@agcl/datasets`): the first "labeled" (its one-hot ground truth is the
 * confidence map), the second "unlabeled" (a simulated teacher: the blurred one-hot map with noise
 * on its logits, then a softmax). Computes the average patch entropy per class, samples patches
 * across both images, and writes pictures: `phantoms.png`, `ape-<class>.png` (white = high
 * entropy) and `samples-<class>.png` (positives green, negatives red).
 */
export async function runSamplerExample(options: SamplerExampleOptions = {}): Promise<SamplerExampleResult> {
  const outDir = options.outDir ?? 'out';
  const size = options.size ?? 128;
  const patchSize = options.patchSize ?? 8;
  const stride = options.stride ?? patchSize;
  const seed = options.seed ?? 1;
  const scale = options.scale ?? 2;
  const log = options.log ?? ((line: string) => console.log(line));
  log(formatBackendReport(await initBackend({ backend: 'cpu' })));
  await mkdir(outDir, { recursive: true });

  const slices = [cardiacPhantom({ size, seed }), cardiacPhantom({ size, seed: seed + 1 })];
  const k = 4;
  const images = new Float32Array(2 * size * size);
  const labels = new Int32Array(2 * size * size);
  slices.forEach((s, n) => {
    for (let i = 0; i < size * size; i++) {
      images[n * size * size + i] = s.image[i * s.channels];
      labels[n * size * size + i] = s.label[i];
    }
  });

  const intensity = tf.tensor4d(images, [2, size, size, 1]);
  const confidence = tf.tidy(() => {
    const oneHot = tf.cast(tf.oneHot(tf.tensor3d(labels, [2, size, size], 'int32'), k), 'float32') as tf.Tensor4D;
    const labeled = tf.slice(oneHot, 0, 1);
    // Simulated teacher on the second image: blur, noisy logits, softmax.
    const blurred = tf.avgPool(tf.slice(oneHot, 1, 1), 9, 1, 'same');
    const noise = tf.randomNormal(blurred.shape, 0, 0.6, 'float32', seed + 7);
    const teacher = tf.softmax(tf.add(tf.mul(tf.log(tf.add(blurred, 0.02)), 2), noise));
    return tf.concat([labeled, teacher], 0) as tf.Tensor4D;
  });
  const { ape, meanConfidence } = averagePatchEntropy(confidence, { patchSize, stride, intensity });
  const sample = await samplePatchesFromTensors(ape, meanConfidence, {
    seed,
    samplesPerClass: options.samplesPerClass ?? 32,
    mode: options.mode ?? 'entropy',
  });
  const grid = patchGrid(size, size, { patchSize, stride });
  const apeData = await ape.data();
  tf.dispose([intensity, confidence, ape, meanConfidence]);

  const files: string[] = [];
  const side = size * scale;
  const gap = 8;
  const canvasFor = () => new RgbCanvas(2 * side + gap, side);

  const phantoms = canvasFor();
  for (let n = 0; n < 2; n++) phantoms.drawGray(images.subarray(n * size * size, (n + 1) * size * size), size, size, n * (side + gap), 0, scale);
  files.push(path.join(outDir, 'phantoms.png'));
  await phantoms.writePng(files[files.length - 1]);

  const meanApe = { labeled: new Array<number>(k).fill(0), unlabeled: new Array<number>(k).fill(0) };
  const cells = grid.rows * grid.cols;
  for (let c = 0; c < k; c++) {
    const canvas = canvasFor();
    for (let n = 0; n < 2; n++) {
      const map = new Float32Array(cells);
      for (let t = 0; t < cells; t++) map[t] = apeData[(n * cells + t) * k + c];
      const mean = map.reduce((a, v) => a + v, 0) / cells;
      (n === 0 ? meanApe.labeled : meanApe.unlabeled)[c] = mean;
      // Each grid cell painted over its window's top-left stride x stride block.
      const pixels = new Float32Array(size * size);
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const r = Math.min(grid.rows - 1, Math.floor(y / stride));
          const col = Math.min(grid.cols - 1, Math.floor(x / stride));
          pixels[y * size + x] = map[r * grid.cols + col];
        }
      canvas.drawGray(pixels, size, size, n * (side + gap), 0, scale);
    }
    files.push(path.join(outDir, `ape-${CLASS_NAMES[c]}.png`));
    await canvas.writePng(files[files.length - 1]);
  }

  for (const group of sample.groups) {
    const canvas = canvasFor();
    for (let n = 0; n < 2; n++) canvas.drawGray(images.subarray(n * size * size, (n + 1) * size * size), size, size, n * (side + gap), 0, scale);
    const draw = (indices: Int32Array, rgb: readonly [number, number, number]) => {
      for (const i of indices) {
        const x = sample.image[i] * (side + gap) + sample.col[i] * stride * scale;
        canvas.drawRect(x, sample.row[i] * stride * scale, patchSize * scale, patchSize * scale, rgb);
      }
    };
    draw(group.negatives, NEGATIVE);
    draw(group.positives, POSITIVE);
    files.push(path.join(outDir, `samples-${CLASS_NAMES[group.classIndex]}.png`));
    await canvas.writePng(files[files.length - 1]);
  }

  const summary = {
    grid,
    patches: sample.count,
    dropped: sample.dropped,
    groups: sample.groups.map((g) => ({ class: CLASS_NAMES[g.classIndex], positives: g.positives.length, negatives: g.negatives.length })),
    patchesPerImage: [0, 1].map((n) => sample.image.filter((v) => v === n).length),
    meanApe,
  };
  files.push(path.join(outDir, 'summary.json'));
  await writeFile(files[files.length - 1], JSON.stringify(summary, null, 2));
  log(`sampled ${sample.count} patches (${summary.patchesPerImage[0]} labeled, ${summary.patchesPerImage[1]} unlabeled); dropped ${sample.dropped.collision} by the class-collision guard`);
  for (const g of summary.groups) log(`  ${g.class.padEnd(10)} positives ${g.positives}  negatives ${g.negatives}`);
  log(`mean APE per class, labeled:   ${meanApe.labeled.map((v) => v.toFixed(3)).join(' ')}`);
  log(`mean APE per class, unlabeled: ${meanApe.unlabeled.map((v) => v.toFixed(3)).join(' ')}`);
  log(`wrote ${files.length} files to ${outDir}`);
  return { files, sample, meanApe };
}
