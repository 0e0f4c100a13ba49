import type { FlagSpec } from './cli-args';

/** The flags of `src/main.ts`. */
export const FLAGS: readonly FlagSpec[] = [
  { name: 'steps', arg: '<n>', kind: 'int', min: 1, help: 'training steps', default: '150' },
  { name: 'backend', arg: '<name>', kind: 'choice', choices: ['wasm', 'cpu', 'auto'], help: 'TensorFlow.js backend', default: 'wasm' },
  { name: 'seed', arg: '<n>', kind: 'int', min: 0, help: 'seed of the data and the weights', default: '0' },
  { name: 'affinity-weight', arg: '<x>', kind: 'number', min: 0, help: 'weight of the affinity-graph loss (0: cross-entropy only)', default: '0.5' },
];
