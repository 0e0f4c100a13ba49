import { defineConfig, type Options } from 'tsup';

/** tsup configuration shared by every library package: ESM + CJS + declarations, source maps. */
export function agclTsupConfig(overrides: Partial<Options> = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    treeshake: true,
    ...overrides,
  });
}
