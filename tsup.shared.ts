import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

const base: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
};

/**
 * tsup configuration shared by every library package: ESM + CJS + declarations, source maps.
 *
 * No `treeshake` option: esbuild already drops unused code when it bundles, and tsup's extra Rollup
 * pass (`treeshake: true`) appends its own `//# sourceMappingURL=` line before tsup appends one, so
 * every file ended with the line twice.
 */
export function agclTsupConfig(overrides: Partial<Options> = {}) {
  return defineConfig({ ...base, ...overrides });
}

/**
 * Resolves every relative import `./x` (or `./x.js`) that has a `./x.browser.ts` beside it to that
 * file: the browser variant of a Node-only module, with the same exports.
 */
const browserVariants: EsbuildPlugin = {
  name: 'agcl-browser-variants',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = resolve(args.resolveDir, `${args.path.replace(/\.js$/, '')}.browser.ts`);
      return existsSync(file) ? { path: file } : undefined;
    });
  },
};

/**
 * Two builds of `src/index.ts`, for a package with Node-only code (file system, Node bindings):
 *
 * - `dist/index.{js,cjs}` for browsers and bundlers: every module `x.ts` that has an `x.browser.ts`
 *   beside it is replaced by that file, and the build targets the browser platform, so a Node
 *   built-in left in it fails the build;
 * - `dist/node.{js,cjs}` for Node, the sources as they are; the package's `exports` serve it under
 *   the `node` condition.
 *
 * One set of declarations (`dist/index.d.ts`, `.d.cts`) serves both: a browser variant exports
 * the same names with the same types.
 */
export function agclTsupConfigWithNodeEntry(overrides: Partial<Options> = {}) {
  return defineConfig([
    {
      ...base,
      entry: { index: 'src/index.ts' },
      platform: 'browser',
      esbuildPlugins: [browserVariants],
      clean: ['!node.*'],
      ...overrides,
    },
    { ...base, entry: { node: 'src/index.ts' }, platform: 'node', dts: false, clean: false, ...overrides },
  ]);
}
