import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { readJsonl, runPaths } from './run-folder';
import { train, type ValRecord } from './train';
import { evaluateRun } from './evaluate-run';
import { captureStream, tempDir } from './test-utils/helpers';

const repoRoot = path.resolve(__dirname, '../../..');
const dataRoot = process.env.AGCL_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');
const acdc = path.join(dataRoot, 'acdc');
const hasData = existsSync(path.join(acdc, 'train_slices.list'));
if (!hasData) console.warn(`skipping the ACDC smoke test: ${acdc} is absent (set AGCL_DATA_DIR to the shared data folder)`);

describe.skipIf(!hasData)('real data: ACDC smoke test', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('trains a few semi-agcl steps on ACDC and validates one volume at its own size', async () => {
    const out = path.join(tempDir(), 'acdc');
    const stream = captureStream();
    const result = await train({
      config: {
        dataset: 'acdc',
        dataDir: acdc,
        labeledPatients: 3,
        method: 'semi-agcl',
        steps: 3,
        valEvery: 3,
        valCases: 1,
        size: 32,
        channels: [4, 8, 16],
        embeddingDim: 8,
        batch: 2,
        out,
      },
      stream,
      skipBackendInit: true,
      report: false,
    });
    expect(result.status).toBe('completed');
    // 70 training patients, 3 labeled; 1312 slices in train_slices.list
    expect(stream.text()).toMatch(/ACDC .*: 70 training cases \(1312 slices\), 3 labeled \(\d+ slices\), \d+ unlabeled slices used, 1 validation cases; 32x32/);
    const vals = readJsonl<ValRecord>(runPaths(out).val);
    expect(vals).toHaveLength(1);
    expect(Object.keys(vals[0].dice)).toEqual(['RV', 'Myo', 'LV']);
    expect(vals[0].meanDice).toBeGreaterThanOrEqual(0);
    // eval reads only the validation volume and scores it in 3D at its own size
    const ev = await evaluateRun({ run: out, checkpoint: 'last', skipBackendInit: true, stream: captureStream() });
    expect(ev.cases.map((c) => c.caseId)).toEqual(['patient028_frame01']);
    expect(ev.cases[0].classes.RV.dice).toBeCloseTo(vals[0].dice.RV, 10);
  });
});
