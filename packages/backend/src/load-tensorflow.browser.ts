/** Browser build of load-tensorflow.ts: tfjs-node is a Node addon. */
export async function loadTensorflow(): Promise<void> {
  throw new Error("tfjs-node (libtensorflow) runs only in Node.js; in a browser use 'webgpu', 'wasm' or 'cpu'.");
}
