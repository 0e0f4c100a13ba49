import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Decodes `[value, runLength, value, runLength, ...]` (C order) into an Int32Array. */
export function decodeRle(rle: number[]): Int32Array {
  let n = 0;
  for (let i = 1; i < rle.length; i += 2) n += rle[i];
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < rle.length; i += 2) {
    out.fill(rle[i], k, k + rle[i + 1]);
    k += rle[i + 1];
  }
  return out;
}

export interface GoldenClass {
  classIndex: number;
  dice: number | null;
  jaccard: number | null;
  precision: number | null;
  recall: number | null;
  hd: number | null;
  hd95: number | null;
  asd: number | null;
  assd: number | null;
}

export interface Golden {
  numpy: string;
  scipy: string;
  cases: Array<{ name: string; shape: number[]; spacing: number[]; numClasses: number; pred: number[]; target: number[]; classes: GoldenClass[] }>;
  objectCases: Array<{
    name: string;
    shape: number[];
    spacing: number[];
    pred: number[];
    target: number[];
    metrics: { f1: number; precision: number; recall: number; tp: number; predObjects: number; targetObjects: number; objectDice: number; objectHausdorff: number };
  }>;
  componentCases: Array<{ name: string; shape: number[]; rank: number; mask: number[]; labels: number[]; count: number }>;
  edtCases: Array<{ name: string; shape: number[]; spacing: number[]; sites: number[]; distances: number[] }>;
}

/** The committed golden file (produced by scripts/golden.py). */
export function loadGolden(): Golden {
  const here = dirname(fileURLToPath(import.meta.url));
  return JSON.parse(readFileSync(resolve(here, '../../test-data/golden.json'), 'utf8')) as Golden;
}

/** Relative closeness: |a - b| <= rtol * max(1, |b|). */
export function close(a: number, b: number, rtol = 1e-6): boolean {
  return Math.abs(a - b) <= rtol * Math.max(1, Math.abs(b));
}
