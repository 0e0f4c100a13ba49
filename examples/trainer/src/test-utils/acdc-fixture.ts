import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { syntheticCardiacDataset } from '@agcl/datasets';
// the datasets package's own fixture writer: gzip-chunked `image` / `label` like SSL4MIS's files
import { writeH5 } from '../../../../packages/datasets/src/test-utils/fixtures';

/** Names of the tiny ACDC-layout fixture. */
export const ACDC_FIXTURE = {
  train: ['patient001_frame01_slice_0', 'patient001_frame01_slice_1', 'patient002_frame01_slice_0', 'patient002_frame01_slice_1'],
  val: ['patient003_frame01'],
  test: ['patient004_frame01', 'patient005_frame01'],
} as const;

/**
 * Writes a tiny ACDC folder in the SSL4MIS HDF5 layout (`train_slices.list`, `val.list`, `test.list`,
 * `data/*.h5`) made of cardiac phantoms at `size` x `size`: 4 training slices of 2 patients, 1
 * validation and 2 test volumes of 2 slices each. The same `seed` gives the same files.
 */
export async function writeAcdcFixture(root: string, size = 16, seed = 3): Promise<void> {
  const { train, val } = syntheticCardiacDataset({ cases: 2, slicesPerCase: 2, valCases: 3, size, seed });
  for (const [i, name] of ACDC_FIXTURE.train.entries()) {
    const s = train[i];
    await writeH5(path.join(root, 'data', `${name}.h5`), s.image, s.label, [s.height, s.width]);
  }
  for (const [i, name] of [...ACDC_FIXTURE.val, ...ACDC_FIXTURE.test].entries()) {
    const v = val[i];
    await writeH5(path.join(root, 'data', `${name}.h5`), v.image, v.label, [v.depth, v.height, v.width]);
  }
  writeFileSync(path.join(root, 'train_slices.list'), `${ACDC_FIXTURE.train.join('\n')}\n`);
  writeFileSync(path.join(root, 'val.list'), `${ACDC_FIXTURE.val.join('\n')}\n`);
  writeFileSync(path.join(root, 'test.list'), `${ACDC_FIXTURE.test.join('\n')}\n`);
}
