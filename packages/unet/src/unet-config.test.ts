import { describe, expect, it } from 'vitest';
import { DEFAULT_UNET_CONFIG, resolveUNetConfig, unetConfigDifferences, type UNetConfig } from './unet-config';

describe('resolveUNetConfig', () => {
  it('defaults to the SSL4MIS U-Net', () => {
    const c = resolveUNetConfig();
    expect(c).toEqual({
      inChannels: 1,
      numClasses: 4,
      channels: [16, 32, 64, 128, 256],
      dropout: [0.05, 0.1, 0.2, 0.3, 0.5],
      decoderDropout: 0,
      normalization: 'batch',
      upsampling: 'bilinear',
      projection: { dim: 64, hidden: 64 },
      bnMomentum: 0.1,
      normEpsilon: 1e-5,
      init: 'pytorch',
      seed: 1337,
    });
    expect(Object.isFrozen(DEFAULT_UNET_CONFIG)).toBe(true);
  });

  it('derives the dropout from the depth when only channels are given', () => {
    expect(resolveUNetConfig({ channels: [4, 8, 16] }).dropout).toEqual([0.05, 0.1, 0.2]);
    expect(resolveUNetConfig({ channels: [2, 4, 8, 16, 32, 64] }).dropout).toEqual([0.05, 0.1, 0.2, 0.3, 0.5, 0.5]);
  });

  it('fills partial projection options and accepts false', () => {
    expect(resolveUNetConfig({ projection: { dim: 32 } }).projection).toEqual({ dim: 32, hidden: 64 });
    expect(resolveUNetConfig({ projection: false }).projection).toBe(false);
  });

  it('copies arrays instead of aliasing them', () => {
    const channels = [4, 8];
    const c = resolveUNetConfig({ channels });
    channels[0] = 99;
    expect(c.channels).toEqual([4, 8]);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['zero inChannels', { inChannels: 0 }, /'inChannels' must be a positive integer, got 0/],
    ['fractional numClasses', { numClasses: 2.5 }, /'numClasses' must be a positive integer, got 2.5/],
    ['one level only', { channels: [16] }, /'channels' must be an array of 2 to 8 positive integers/],
    ['too many levels', { channels: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, /'channels' must be an array of 2 to 8/],
    ['negative channel', { channels: [16, -32] }, /'channels\[1\]' must be a positive integer, got -32/],
    ['dropout length', { channels: [4, 8], dropout: [0.1] }, /'dropout' must have one rate per level \(2/],
    ['dropout of 1', { channels: [4, 8], dropout: [0.1, 1] }, /'dropout\[1\]' must be a dropout rate in \[0, 1\), got 1/],
    ['decoder dropout', { decoderDropout: -0.1 }, /'decoderDropout' must be a dropout rate/],
    ['normalization', { normalization: 'group' }, /'normalization' must be 'batch', 'instance' or 'none', got 'group'/],
    ['upsampling', { upsampling: 'nearest' }, /'upsampling' must be 'bilinear' or 'transpose', got 'nearest'/],
    ['projection dim', { projection: { dim: 0 } }, /'projection.dim' must be a positive integer/],
    ['projection typo', { projection: { size: 3 } }, /unknown option 'projection.size'/],
    ['projection true', { projection: true }, /'projection' must be false or an object/],
    ['momentum', { bnMomentum: 1.5 }, /'bnMomentum' must be a number in \[0, 1\]/],
    ['epsilon', { normEpsilon: 0 }, /'normEpsilon' must be a positive number/],
    ['seed', { seed: Number.NaN }, /'seed' must be a finite number/],
    ['init', { init: 'xavier' }, /'init' must be 'pytorch' or 'he', got 'xavier'/],
    ['typo', { numClass: 4 }, /unknown option 'numClass'/],
  ];
  for (const [what, config, message] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => resolveUNetConfig(config as UNetConfig)).toThrow(message);
      expect(() => resolveUNetConfig(config as UNetConfig)).toThrow(/^UNet config: /);
    });
  }
});

describe('unetConfigDifferences', () => {
  it('lists differing keys, ignoring the seed', () => {
    const a = resolveUNetConfig({ channels: [4, 8], seed: 1 });
    const b = resolveUNetConfig({ channels: [4, 16], numClasses: 2, seed: 2 });
    expect(unetConfigDifferences(a, b)).toEqual(['numClasses: 4 vs 2', 'channels: [4,8] vs [4,16]']);
    expect(unetConfigDifferences(a, resolveUNetConfig({ channels: [4, 8], seed: 5 }))).toEqual([]);
  });

  it('can compare only what changes the weights', () => {
    const a = resolveUNetConfig({ channels: [4, 8] });
    const b = resolveUNetConfig({ channels: [4, 8], dropout: [0, 0], bnMomentum: 0.01 });
    expect(unetConfigDifferences(a, b).length).toBe(2);
    expect(unetConfigDifferences(a, b, { architectureOnly: true })).toEqual([]);
  });
});
