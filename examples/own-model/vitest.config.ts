import { agclVitestConfig } from '../../vitest.shared.ts';

export default agclVitestConfig();
