import { agclTsupConfig } from '../../tsup.shared.ts';

// The trainer is an application: ESM only. Every output file starts with the node shebang, so
// `dist/cli.js` runs as the `agcl` binary (a hashbang is valid at the top of any ES module).
export default agclTsupConfig({
  entry: ['src/cli.ts', 'src/index.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  banner: { js: '#!/usr/bin/env node' },
});
