import { describe, expect, it } from 'vitest';
import { TwoStreamBatchSampler } from './two-stream-batch-sampler';

describe('TwoStreamBatchSampler', () => {
  it('one epoch visits every labeled index once, in batches of labeledBatch (SSL4MIS __len__)', () => {
    const s = new TwoStreamBatchSampler({ labeled: 12, unlabeled: 50, labeledBatch: 4, unlabeledBatch: 2, seed: 1 });
    expect(s.batchesPerEpoch).toBe(3);
    const batches = [...s];
    expect(batches).toHaveLength(3);
    expect(batches.flatMap((b) => b.labeled).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(batches.map((b) => [b.epoch, b.batchInEpoch])).toEqual([[0, 0], [0, 1], [0, 2]]);
    batches.forEach((b) => expect(b.unlabeled.every((u) => u >= 0 && u < 50)).toBe(true));
    const next = [...s];
    expect(next[0].epoch).toBe(1);
    expect(next.flatMap((b) => b.labeled)).not.toEqual(batches.flatMap((b) => b.labeled));
  });

  it('drops an incomplete last labeled group (13 labeled, batch 4 -> 3 batches)', () => {
    const s = new TwoStreamBatchSampler({ labeled: 13, unlabeled: 5, labeledBatch: 4, unlabeledBatch: 1 });
    expect([...s]).toHaveLength(3);
  });

  it('cycles the unlabeled stream: every unlabeled index once before any repeats, across epochs', () => {
    const s = new TwoStreamBatchSampler({ labeled: 4, unlabeled: 10, labeledBatch: 2, unlabeledBatch: 3, seed: 2 });
    const draws = Array.from({ length: 10 }, () => s.next().unlabeled).flat();
    expect([...draws.slice(0, 10)].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect([...draws.slice(10, 20)].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('maps explicit index arrays; labeled-only batches with unlabeledBatch 0', () => {
    const s = new TwoStreamBatchSampler({ labeled: [10, 11, 12, 13], unlabeled: [20, 21], labeledBatch: 2, unlabeledBatch: 1, seed: 3 });
    const b = s.next();
    expect(b.labeled.every((i) => i >= 10 && i <= 13)).toBe(true);
    expect([20, 21]).toContain(b.unlabeled[0]);
    const sup = new TwoStreamBatchSampler({ labeled: 4, unlabeled: 0, labeledBatch: 2, unlabeledBatch: 0 });
    expect(sup.next().unlabeled).toEqual([]);
  });

  it('is seeded: same seed same batches, other seed other batches', () => {
    const run = (seed: number) => {
      const s = new TwoStreamBatchSampler({ labeled: 20, unlabeled: 40, labeledBatch: 4, unlabeledBatch: 4, seed });
      return Array.from({ length: 8 }, () => s.next());
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('resumes exactly from a saved state (JSON round trip)', () => {
    const opts = { labeled: 9, unlabeled: 7, labeledBatch: 2, unlabeledBatch: 3, seed: 11 };
    const a = new TwoStreamBatchSampler(opts);
    for (let i = 0; i < 5; i++) a.next();
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const expected = Array.from({ length: 12 }, () => a.next());
    const b = new TwoStreamBatchSampler({ ...opts, seed: 999 });
    b.setState(saved);
    expect(Array.from({ length: 12 }, () => b.next())).toEqual(expected);
    const c = new TwoStreamBatchSampler({ ...opts, labeled: 10 });
    expect(() => c.setState(saved)).toThrow(/TwoStreamBatchSampler.setState: state was made for/);
  });

  it('rejects bad options', () => {
    expect(() => new TwoStreamBatchSampler({ labeled: 2, unlabeled: 5, labeledBatch: 3, unlabeledBatch: 1 })).toThrow(/2 labeled items are fewer than 'labeledBatch' = 3/);
    expect(() => new TwoStreamBatchSampler({ labeled: 4, unlabeled: 0, labeledBatch: 2, unlabeledBatch: 1 })).toThrow(/needs unlabeled items/);
    expect(() => new TwoStreamBatchSampler({ labeled: 4, unlabeled: 4, labeledBatch: 0, unlabeledBatch: 1 })).toThrow(/'options.labeledBatch' must be an integer >= 1/);
  });
});
