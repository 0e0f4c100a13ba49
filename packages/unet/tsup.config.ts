import { agclTsupConfigWithNodeEntry } from '../../tsup.shared.ts';

// dist/index.* for browsers (save/load with folders replaced by src/unet-folder.browser.ts),
// dist/node.* for Node (the `node` export condition).
export default agclTsupConfigWithNodeEntry();
