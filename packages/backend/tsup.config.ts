import { agclTsupConfig } from '../../tsup.shared.ts';

// shims: the CJS build gets an import.meta.url shim (load-wasm.ts resolves tfjs-backend-wasm's files with it).
export default agclTsupConfig({ shims: true });
