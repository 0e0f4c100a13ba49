import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const sources = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));

describe('package entry', () => {
  it('no library source imports tfjs at run time (type-only imports are erased)', () => {
    for (const f of sources) {
      const text = readFileSync(path.join(here, f), 'utf8');
      const runtime = text.split('\n').filter((l) => /^\s*(import|export)\b.*from ['"]@tensorflow\//.test(l) && !/^\s*import type /.test(l));
      expect({ file: f, lines: runtime }).toEqual({ file: f, lines: [] });
    }
  });

  it('ESM-only dependencies are imported dynamically (so the CJS build works)', () => {
    for (const f of sources) {
      const text = readFileSync(path.join(here, f), 'utf8');
      expect({ file: f, static: /^import .* from ['"](h5wasm|nifti-reader-js|sharp|bmp-js)/m.test(text) }).toEqual({ file: f, static: false });
    }
  });

  it('index.ts only re-exports', () => {
    const lines = readFileSync(path.join(here, 'index.ts'), 'utf8').split('\n').filter((l) => l.trim() && !l.trim().startsWith('//'));
    const statements = lines.join('\n').split(';').map((s) => s.trim()).filter(Boolean);
    for (const s of statements) expect(s).toMatch(/^export (type )?\{[^}]*\} from '\.\/[a-z0-9-]+'$/s);
  });

  it('loads without any tensor library and exposes the API', async () => {
    const api = await import('./index');
    for (const name of ['readAcdcH5', 'readAcdcNifti', 'readImageMaskFolder', 'readCrag', 'readGlas', 'acdcLabeledSplit', 'resize2D', 'cardiacPhantom', 'glandPhantom', 'syntheticCardiacDataset', 'TwoStreamBatchSampler', 'augment', 'toBatchTensors']) {
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
