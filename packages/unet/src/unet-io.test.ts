import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNet } from './unet';
import type { UNetArtifacts } from './unet-artifacts';
import type { UNetConfig } from './unet-config';

const CONFIG: UNetConfig = { channels: [4, 8, 16], numClasses: 3, projection: { dim: 8, hidden: 6 }, seed: 21 };

async function outputs(net: UNet, x: tf.Tensor4D): Promise<Float32Array[]> {
  const out = net.forward(x, { embeddings: true });
  const result = [(await out.logits.data()) as Float32Array, (await out.embeddings!.data()) as Float32Array];
  tf.dispose([out.logits, out.embeddings!]);
  return result;
}

describe('UNet save / load', () => {
  let dir = '';
  let x: tf.Tensor4D;
  let net: UNet;

  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    dir = await mkdtemp(path.join(tmpdir(), 'agcl-unet-'));
    x = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 4) as tf.Tensor4D;
    net = new UNet(CONFIG);
    // Move the running statistics away from their initial values so that they are tested too.
    const warm = net.forward(x, { training: true, embeddings: true });
    tf.dispose([warm.logits, warm.embeddings!]);
  });

  afterAll(async () => {
    net.dispose();
    x.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through memory with identical outputs and weights', async () => {
    const artifacts = await net.save('memory');
    expect(artifacts.format).toBe('agcl-unet');
    expect(artifacts.config).toEqual(net.config);
    expect(artifacts.weightSpecs.map((s) => s.name)).toEqual(net.weightNames());
    const scalars = net.parameterCount() + net.bufferCount();
    expect(artifacts.weightData.byteLength).toBe(4 * scalars);
    const loaded = await UNet.load(artifacts);
    const [a, b] = [await outputs(net, x), await outputs(loaded, x)];
    expect(Array.from(b[0])).toEqual(Array.from(a[0]));
    expect(Array.from(b[1])).toEqual(Array.from(a[1]));
    const wa = net.getWeights();
    const wb = loaded.getWeights();
    for (const name of net.weightNames()) {
      expect(Array.from(await wb[name].data())).toEqual(Array.from(await wa[name].data()));
    }
    tf.dispose([...Object.values(wa), ...Object.values(wb)]);
    loaded.dispose();
  });

  it('round-trips through a folder (model.json + weights.bin, written atomically)', async () => {
    const folder = path.join(dir, 'nested', 'student');
    const result = await net.save(folder);
    expect(result.folder).toBe(folder);
    expect((await readdir(folder)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(result.modelJsonPath, 'utf8'));
    expect(json.format).toBe('agcl-unet');
    expect(json.config.channels).toEqual([4, 8, 16]);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.length).toBe(net.weightNames().length);
    expect((await readFile(result.weightsPath)).byteLength).toBe(result.weightBytes);

    const fromFolder = await UNet.load(folder, CONFIG);
    const fromJson = await UNet.load(result.modelJsonPath);
    const ref = await outputs(net, x);
    for (const loaded of [fromFolder, fromJson]) {
      const got = await outputs(loaded, x);
      expect(Array.from(got[0])).toEqual(Array.from(ref[0]));
      expect(Array.from(got[1])).toEqual(Array.from(ref[1]));
      loaded.dispose();
    }
    // Saving again over the same folder replaces the files and leaves no temporary files behind.
    await net.save(folder);
    expect((await readdir(folder)).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('rejects a load whose configuration differs from the expected one, listing the differences', async () => {
    const artifacts = await net.save('memory');
    await expect(UNet.load(artifacts, { ...CONFIG, channels: [4, 8, 32] })).rejects.toThrow(
      /UNet\.load: the saved network's configuration does not match the expected one \(expected vs saved\): channels: \[4,8,32\] vs \[4,8,16\]/,
    );
    await expect(UNet.load(artifacts, { ...CONFIG, upsampling: 'transpose', seed: 99 })).rejects.toThrow(
      /upsampling: "transpose" vs "bilinear"/,
    );
  });

  it('rejects weights that do not fit the saved configuration, and malformed sources', async () => {
    const artifacts = await net.save('memory');
    const liar: UNetArtifacts = { ...artifacts, config: { ...artifacts.config, numClasses: 4 } };
    await expect(UNet.load(liar)).rejects.toThrow(/UNet\.load: UNet\.setWeights: .*'out\/bias' has shape \[3\], expected \[4\]/);
    await expect(UNet.load({ ...artifacts, weightData: artifacts.weightData.slice(4) })).rejects.toThrow(
      /UNet\.load: the weight data has \d+ bytes but the specs describe \d+ bytes/,
    );
    await expect(UNet.load({ ...artifacts, format: 'keras' } as unknown as UNetArtifacts)).rejects.toThrow(
      /UNet\.load: not a saved UNet \(field 'format' is "keras"/,
    );
    const bad = { ...artifacts, config: { ...artifacts.config, channels: [4] } };
    await expect(UNet.load(bad)).rejects.toThrow(/UNet\.load: the saved configuration is invalid: UNet config: 'channels'/);
    const missing = path.join(dir, 'does-not-exist');
    await expect(UNet.load(missing)).rejects.toThrow(/UNet\.load: cannot read '.*does-not-exist\/model\.json'/);
    const broken = path.join(dir, 'broken');
    await net.save(broken);
    await writeFile(path.join(broken, 'model.json'), '{ not json');
    await expect(UNet.load(broken)).rejects.toThrow(/UNet\.load: '.*broken\/model\.json' is not valid JSON/);
    await expect(net.save('')).rejects.toThrow(/UNet\.save: argument 'target' must be 'memory' or a folder path/);
  });

  it('does not leak tensors when saving and loading', async () => {
    const artifacts = await net.save('memory');
    const before = tf.memory().numTensors;
    const vars = net.weightNames().length;
    const loaded = await UNet.load(artifacts);
    expect(tf.memory().numTensors).toBe(before + vars);
    await loaded.save('memory');
    loaded.dispose();
    await expect(UNet.load(artifacts, { ...CONFIG, numClasses: 2 })).rejects.toThrow();
    await expect(UNet.load({ ...artifacts, config: { ...artifacts.config, numClasses: 4 } })).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
