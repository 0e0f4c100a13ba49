import { describe, expect, it } from 'vitest';
import { countUNetParameters, unetParameterSpecs } from './parameter-specs';

// Closed-form counts, written independently of unetParameterSpecs: a block (in -> out) is two 3x3
// convolutions with biases plus, with batch norm, 2 trainable and 2 running values per norm channel.
function blockTrainable(cin: number, cout: number, affine: boolean): number {
  return 9 * cin * cout + cout + 9 * cout * cout + cout + (affine ? 4 * cout : 0);
}
function formula(ch: number[], inC: number, k: number, up: 'bilinear' | 'transpose', affine = true): number {
  let total = blockTrainable(inC, ch[0], affine);
  for (let i = 1; i < ch.length; i++) total += blockTrainable(ch[i - 1], ch[i], affine);
  for (let l = ch.length - 2; l >= 0; l--) {
    total += (up === 'bilinear' ? 1 : 4) * ch[l + 1] * ch[l] + ch[l];
    total += blockTrainable(2 * ch[l], ch[l], affine);
  }
  return total + 9 * ch[0] * k + k;
}

describe('countUNetParameters', () => {
  it('gives the published SSL4MIS counts (1 channel in, 4 classes)', () => {
    expect(countUNetParameters({ projection: false })).toBe(1_813_764);
    expect(countUNetParameters({ upsampling: 'transpose', projection: false })).toBe(1_944_324);
    expect(countUNetParameters({ projection: false }, { trainable: false })).toBe(2_944);
    expect(countUNetParameters({}, { includeProjection: false })).toBe(1_813_764);
  });

  it('counts the projection head separately: 16*64+64 + 2*64 + 64*64+64 trainable, 2*64 running', () => {
    expect(countUNetParameters({}) - countUNetParameters({}, { includeProjection: false })).toBe(5_376);
    expect(countUNetParameters({}, { trainable: false })).toBe(2_944 + 128);
    expect(countUNetParameters({ projection: { dim: 32, hidden: 8 } }) - 1_813_764).toBe(16 * 8 + 8 + 16 + 8 * 32 + 32);
  });

  const table: Array<[number[], number, number, 'bilinear' | 'transpose']> = [
    [[4, 8], 1, 2, 'bilinear'],
    [[4, 8, 16], 3, 2, 'transpose'],
    [[8, 16, 32, 64], 3, 5, 'bilinear'],
    [[16, 32, 64, 128, 256], 3, 2, 'bilinear'],
  ];
  for (const [ch, inC, k, up] of table) {
    it(`matches the closed form for channels [${ch}], in ${inC}, K ${k}, ${up}`, () => {
      const config = { channels: ch, inChannels: inC, numClasses: k, upsampling: up, projection: false as const };
      expect(countUNetParameters(config)).toBe(formula(ch, inC, k, up));
      const running = 2 * 2 * (ch.reduce((a, b) => a + b, 0) + ch.slice(0, -1).reduce((a, b) => a + b, 0));
      expect(countUNetParameters(config, { trainable: false })).toBe(running);
    });
  }

  it('has no running values with instance norm and no norm values at all with none', () => {
    const ch = [4, 8, 16];
    expect(countUNetParameters({ channels: ch, normalization: 'instance', projection: false })).toBe(
      formula(ch, 1, 4, 'bilinear'),
    );
    expect(countUNetParameters({ channels: ch, normalization: 'instance' }, { trainable: false })).toBe(0);
    expect(countUNetParameters({ channels: ch, normalization: 'none', projection: false })).toBe(
      formula(ch, 1, 4, 'bilinear', false),
    );
  });
});

describe('unetParameterSpecs', () => {
  it('has unique names in encoder, decoder, out, projection order', () => {
    const specs = unetParameterSpecs({ channels: [4, 8, 16] });
    const names = specs.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toBe('enc0/conv1/kernel');
    const first = (p: string) => names.findIndex((n) => n.startsWith(p));
    expect(first('enc2/')).toBeLessThan(first('up1/'));
    expect(first('up1/')).toBeLessThan(first('dec1/'));
    expect(first('dec1/')).toBeLessThan(first('up0/'));
    expect(first('dec0/')).toBeLessThan(first('out/'));
    expect(first('out/')).toBeLessThan(first('proj/'));
    expect(specs.find((s) => s.name === 'up1/kernel')?.shape).toEqual([1, 1, 16, 8]);
    expect(specs.find((s) => s.name === 'dec0/conv1/kernel')?.shape).toEqual([3, 3, 8, 4]);
    expect(specs.find((s) => s.name === 'enc1/norm2/movingVariance')?.trainable).toBe(false);
  });

  it('uses the tfjs transposed-conv layout [kh, kw, out, in]', () => {
    const specs = unetParameterSpecs({ channels: [4, 8], upsampling: 'transpose' });
    expect(specs.find((s) => s.name === 'up0/kernel')?.shape).toEqual([2, 2, 4, 8]);
  });

  it('validates its configuration', () => {
    expect(() => unetParameterSpecs({ channels: [] })).toThrow(/'channels'/);
  });
});
