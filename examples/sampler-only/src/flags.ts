import type { FlagSpec } from './cli-args';

/** The flags of `src/main.ts`. */
export const FLAGS: readonly FlagSpec[] = [
  { name: 'out', arg: '<folder>', kind: 'string', help: 'folder for the pictures and summary.json', default: 'out' },
  { name: 'seed', arg: '<n>', kind: 'int', min: 1, help: 'seed of the phantoms, the simulated teacher and the sampler', default: '1' },
  { name: 'mode', arg: '<mode>', kind: 'choice', choices: ['entropy', 'uniform'], help: 'how patches are weighted when drawn', default: 'entropy' },
];
