import { describe, expect, it } from 'vitest';
import { DEFAULT_SEMI_AGCL_OPTIONS, resolveSemiAgclOptions, resolvedPatchSize } from './options';
import { METHODS, METHOD_NAMES, methodSpec, type MethodSpec } from './methods';
import { deriveSeed, stepSeeds } from './seeds';

describe('resolveSemiAgclOptions', () => {
  it('starts from the defaults, merges nested layers (later wins), and keeps the defaults object intact', () => {
    const o = resolveSemiAgclOptions({ sampler: { draw: 'stratified' } }, { sampler: { delta: 0.1 }, weights: { affinity: 0.5 } });
    expect(o.method.name).toBe('semi-agcl');
    expect(o.sampler).toEqual({ ...DEFAULT_SEMI_AGCL_OPTIONS.sampler, draw: 'stratified', delta: 0.1 });
    expect(o.weights).toEqual({ consistency: 0.1, contrastive: 0.1, affinity: 0.5 });
    expect(DEFAULT_SEMI_AGCL_OPTIONS.sampler.draw).toBe('pool');
  });

  it("applies the method's overrides over the user's options: each ablation switches exactly one part off", () => {
    const parts = (name: keyof typeof METHODS) => {
      const o = resolveSemiAgclOptions({ method: name, entropy: { beta: 0.7 }, weights: { contrastive: 0.3, affinity: 0.4 } });
      return [o.entropy.beta, o.weights.contrastive, o.weights.affinity, o.sampler.mode];
    };
    expect(parts('semi-agcl')).toEqual([0.7, 0.3, 0.4, 'entropy']);
    expect(parts('semi-agcl:no-intensity')).toEqual([0, 0.3, 0.4, 'entropy']);
    expect(parts('semi-agcl:no-contrast')).toEqual([0.7, 0, 0.4, 'entropy']);
    expect(parts('semi-agcl:no-ag')).toEqual([0.7, 0.3, 0, 'entropy']);
    expect(parts('semi-agcl:uniform')).toEqual([0.7, 0.3, 0.4, 'uniform']);
  });

  it('names the option and the expectation on bad values and unknown keys', () => {
    expect(() => resolveSemiAgclOptions({ sampler: { maxPatches: 1 } })).toThrow("option 'sampler.maxPatches' must be an integer >= 2; got 1");
    expect(() => resolveSemiAgclOptions({ contrastive: { temperature: 0 } })).toThrow("option 'contrastive.temperature' must be a number in (0, 100]; got 0");
    expect(() => resolveSemiAgclOptions({ teacher: { forward: 'inference' as 'eval' } })).toThrow("option 'teacher.forward' must be one of train, batch, eval");
    expect(() => resolveSemiAgclOptions({ weights: { consistency: Number.NaN } })).toThrow("option 'weights.consistency' must be a number in [0, 1000]; got null");
    expect(() => resolveSemiAgclOptions({ sampler: { size: 3 } } as never)).toThrow("unknown option 'sampler.size'");
    expect(() => resolveSemiAgclOptions({ method: 'semi' as 'semi-agcl' })).toThrow("unknown method 'semi'; expected one of supervised, full");
  });

  it('derives the patch size from the image height: max(4, floor(H / 8)) unless given', () => {
    expect(resolvedPatchSize(null, 128)).toBe(16);
    expect(resolvedPatchSize(null, 16)).toBe(4);
    expect(resolvedPatchSize(8, 128)).toBe(8);
  });
});

describe('methods as data', () => {
  it('lists the baselines, Semi-AGCL and four ablations, each with its parts', () => {
    expect(METHOD_NAMES).toEqual(['supervised', 'full', 'mean-teacher', 'semi-agcl', 'semi-agcl:uniform', 'semi-agcl:no-intensity', 'semi-agcl:no-ag', 'semi-agcl:no-contrast']);
    expect([METHODS.supervised.teacher, METHODS.full.allLabeled, METHODS['mean-teacher'].patches, METHODS['semi-agcl'].patches]).toEqual([false, true, false, true]);
    for (const name of METHOD_NAMES) expect(METHODS[name].name).toBe(name);
  });

  it("accepts a user's own method spec and rejects an inconsistent one", () => {
    const mine: MethodSpec = { name: 'semi-agcl:ag-only', description: 'affinity graph only', teacher: true, patches: true, allLabeled: false, overrides: { weights: { contrastive: 0 }, sampler: { draw: 'stratified' } } };
    const o = resolveSemiAgclOptions({ method: mine });
    expect([o.method.name, o.weights.contrastive, o.sampler.draw]).toEqual(['semi-agcl:ag-only', 0, 'stratified']);
    expect(() => methodSpec({ ...mine, teacher: false })).toThrow("has patches but no teacher");
  });
});

describe('seeds', () => {
  it('derives each stream of a step from (seed, name, step): distinct, repeatable, 31-bit', () => {
    const s = stepSeeds(1337, 7);
    expect(s.noise).toBe(deriveSeed(1337, 'noise', 7));
    expect(s.studentDropout).toBe(deriveSeed(1337, 'dropout', 7));
    expect(new Set(Object.values(s)).size).toBe(4);
    expect(stepSeeds(1337, 7)).toEqual(s);
    expect(stepSeeds(1337, 8).noise).not.toBe(s.noise);
    for (const v of Object.values(s)) expect(v >= 0 && v < 2 ** 31 && Number.isInteger(v)).toBe(true);
    // murmur3 finaliser by hand for one word: h = seed ^ 0x9e3779b9, then mix(part), mix(high word 0)
    const mix = (h: number, v: number) => {
      h = Math.imul(h ^ v, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      return h ^ (h >>> 16);
    };
    expect(deriveSeed(0, 5)).toBe(mix(mix(0x9e3779b9, 5), 0) & 0x7fffffff);
  });
});
