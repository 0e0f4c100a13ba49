import { describe, expect, it } from 'vitest';
import { patchGrid } from './patch-grid';

describe('patchGrid', () => {
  it('counts valid windows: floor((H - P) / S) + 1', () => {
    expect(patchGrid(128, 128)).toEqual({ patchSize: 16, stride: 16, rows: 8, cols: 8 });
    expect(patchGrid(128, 96, { patchSize: 32, stride: 16 })).toEqual({ patchSize: 32, stride: 16, rows: 7, cols: 5 });
    expect(patchGrid(10, 7, { patchSize: 4, stride: 3 })).toEqual({ patchSize: 4, stride: 3, rows: 3, cols: 2 });
    expect(patchGrid(4, 4, { patchSize: 4, stride: 9 })).toEqual({ patchSize: 4, stride: 9, rows: 1, cols: 1 });
  });

  it('rejects sizes that are not positive integers or patches larger than the map', () => {
    expect(() => patchGrid(0, 8)).toThrow(/patchGrid: argument 'height' must be a positive integer/);
    expect(() => patchGrid(8, 8.5)).toThrow(/argument 'width'/);
    expect(() => patchGrid(8, 8, { patchSize: 0 })).toThrow(/'options.patchSize'/);
    expect(() => patchGrid(8, 8, { stride: -1 })).toThrow(/'options.stride'/);
    expect(() => patchGrid(8, 16, { patchSize: 9, stride: 1 })).toThrow(/patchGrid: option 'patchSize' \(9\) must not exceed/);
  });
});
