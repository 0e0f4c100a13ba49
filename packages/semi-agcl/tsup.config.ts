import { agclTsupConfig } from '../../tsup.shared.ts';

export default agclTsupConfig();
