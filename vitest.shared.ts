import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * Vitest configuration shared by every workspace package.
 *
 * - Workspace packages resolve to their TypeScript sources through the `@agcl/source` export
 *   condition, so tests never depend on a stale `dist/`.
 * - Each package writes a JSON report to `.vitest-report.json`; `scripts/run-tests.mjs` sums them
 *   into the single `tests: N passed, N failed, N skipped` line that CI reads.
 */
export function agclVitestConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  const conditions = ['@agcl/source', 'node', 'import', 'module', 'default'];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@agcl/source'] } },
    test: {
      environment: 'node',
      pool: 'forks',
      testTimeout: 120_000,
      hookTimeout: 120_000,
      reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
      ...overrides,
    },
  });
}
