// Packs the GPU benchmark into one self-contained folder (default: <repo>/.devcarry, git-ignored) for a
// machine that has a GPU but no network and no Node.js packages: esbuild bundles of the benchmark scripts
// (workspace packages from source, TensorFlow.js included), Dawn's Node bindings for linux-x64 (the
// `webgpu` package, loaded at run time), the wasm backend's binaries, the Node.js binary (xz) and the
// Vulkan loader's Debian packages.
// Usage: node bench/gpu/bundle.mjs [--out DIR] [--no-node] [--no-vulkan]
// Then, on the GPU machine: bash bench/gpu/run.sh DIR OUTDIR   (see bench/README.md, "GPU").
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const argv = process.argv.slice(2);
const outArg = argv.indexOf('--out');
const out = outArg >= 0 ? argv[outArg + 1] : join(root, '.devcarry');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const entries = Object.fromEntries(['train-step', 'semi-step', 'backend-parity'].map((e) => [e, join(here, '..', `${e}.ts`)]));
// --trainer: the `agcl` command line too (agcl.mjs), with sharp's native addon and libvips beside it.
const withTrainer = argv.includes('--trainer');
if (withTrainer) entries.agcl = join(root, 'examples', 'trainer', 'src', 'cli.ts');
await build({
  entryPoints: entries,
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@agcl/source'],
  // Dawn's bindings load a native addon beside their index.js; the optional native TensorFlow binding is absent.
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  // CommonJS inside the bundle (the wasm backend's emscripten loader) expects require and __dirname.
  banner: {
    js: [
      "import { createRequire as __cr } from 'node:module';",
      "import { fileURLToPath as __fu } from 'node:url';",
      "import { dirname as __dn } from 'node:path';",
      'const require = __cr(import.meta.url);',
      'const __filename = __fu(import.meta.url);',
      'const __dirname = __dn(__filename);',
    ].join(' '),
  },
  logLevel: 'warning',
});

if (withTrainer) {
  // sharp loads @img/sharp-linux-x64/sharp.node at run time, which links libvips from the sibling package
  // (both found beside sharp's own folder; their package.json files are not exported for resolve()).
  const trainerRequire = createRequire(join(root, 'examples', 'trainer', 'package.json'));
  const sharpDir = realpathSync(dirname(trainerRequire.resolve('sharp')).replace(/\/lib$/, ''));
  const addonDir = realpathSync(join(dirname(sharpDir), '@img', 'sharp-linux-x64'));
  const vipsDir = realpathSync(join(dirname(addonDir), 'sharp-libvips-linux-x64'));
  cpSync(addonDir, join(out, 'node_modules', '@img', 'sharp-linux-x64'), { recursive: true, dereference: true });
  cpSync(vipsDir, join(out, 'node_modules', '@img', 'sharp-libvips-linux-x64'), { recursive: true, dereference: true });
}

// Dawn: index.js + package.json + the linux-x64 addon only (the other platforms' binaries are 100 MB more).
const require = createRequire(join(root, 'packages', 'backend', 'package.json'));
const webgpuDir = dirname(require.resolve('webgpu/package.json'));
const dawnOut = join(out, 'node_modules', 'webgpu');
mkdirSync(join(dawnOut, 'dist', 'linux-x64'), { recursive: true });
for (const f of ['index.js', 'package.json', 'LICENSE.md']) cpSync(join(webgpuDir, f), join(dawnOut, f));
cpSync(join(webgpuDir, 'dist', 'linux-x64', 'dawn.node'), join(dawnOut, 'dist', 'linux-x64', 'dawn.node'));
// The wasm backend's binaries and worker scripts, found by @agcl/backend through the package's folder.
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const wasmOut = join(out, 'node_modules', '@tensorflow', 'tfjs-backend-wasm');
mkdirSync(wasmOut, { recursive: true });
cpSync(join(wasmDir, 'package.json'), join(wasmOut, 'package.json'));
cpSync(join(wasmDir, 'wasm-out'), join(wasmOut, 'wasm-out'), { recursive: true });

if (!argv.includes('--no-node')) {
  execFileSync('sh', ['-c', `xz -T0 -6 -c "${process.execPath}" > "${join(out, 'node.xz')}"`]);
}
if (!argv.includes('--no-vulkan')) {
  // The Vulkan loader and GL dispatch libraries, as Debian packages for amd64 (unpacked there with dpkg -x).
  const lists = '/tmp/agcl-apt-amd64';
  mkdirSync(join(lists, 'partial'), { recursive: true });
  const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
  execFileSync('apt-get', [...o, '-qq', 'update'], { stdio: 'inherit' });
  mkdirSync(join(out, 'debs'), { recursive: true });
  // NVIDIA's Vulkan driver (libGLX_nvidia) needs the GL vendor-neutral dispatch libraries beside the loader.
  const debs = ['libvulkan1', 'libglvnd0', 'libglx0', 'libgl1', 'libegl1', 'libopengl0', 'libgles2'];
  execFileSync('apt-get', [...o, '-qq', 'download', ...debs], { cwd: join(out, 'debs'), stdio: 'inherit' });
}
// Compress the large files (run.sh unpacks every *.xz): the device takes 64 MiB per call, Node.js included.
const xzFile = (file) => execFileSync('xz', ['-T0', '-6', '-f', file]);
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
for (const file of walk(out)) {
  if (!file.endsWith('.xz') && !file.endsWith('.deb') && statSync(file).size > 1 << 20) xzFile(file);
}
writeFileSync(join(out, 'MANIFEST.txt'), `made ${new Date().toISOString()} from ${root}\n`);
const bytes = walk(out).reduce((n, f) => n + statSync(f).size, 0);
process.stdout.write(`${out}: ${(bytes / 2 ** 20).toFixed(1)} MiB\n`);
if (!existsSync(join(out, 'train-step.mjs.xz'))) process.exitCode = 1;
