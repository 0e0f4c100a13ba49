import { agclTsupConfigWithNodeEntry } from '../../tsup.shared.ts';

// dist/index.* for browsers (src/*.browser.ts in place of the Node-only modules), dist/node.* for
// Node (the `node` export condition).
// shims: the CJS build gets an import.meta.url shim (load-wasm.ts resolves tfjs-backend-wasm's files with it).
export default agclTsupConfigWithNodeEntry({ shims: true });
