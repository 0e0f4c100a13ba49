// Side effect: the Node bundle of tfjs-layers registers every gradient and chained op of tfjs-core.
// tfjs-core's own Node entry registers none, so the first backward pass would fail without this.
// The browser build uses register-gradients.browser.ts instead.
import '@tensorflow/tfjs-layers';
