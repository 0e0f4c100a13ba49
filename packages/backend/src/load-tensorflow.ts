const HOW_TO_GET =
  'Install @tensorflow/tfjs-node-gpu@4.22.0 (NVIDIA GPU with CUDA) or @tensorflow/tfjs-node@4.22.0 (CPU) ' +
  'in your project; both download libtensorflow when installed, so they need internet access.';

async function importOptional(specifier: string): Promise<unknown> {
  try {
    return await import(specifier);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(`'${specifier}' could not be loaded (${why}). ${HOW_TO_GET}`);
  }
}

/**
 * Loads tfjs-node (the `tensorflow` backend, libtensorflow's kernels): the GPU package when it is
 * installed, else the CPU one. Node only; the browser build uses load-tensorflow.browser.ts.
 * @throws Error saying how to install them.
 */
export async function loadTensorflow(): Promise<void> {
  try {
    await importOptional('@tensorflow/tfjs-node-gpu');
  } catch {
    await importOptional('@tensorflow/tfjs-node');
  }
}
