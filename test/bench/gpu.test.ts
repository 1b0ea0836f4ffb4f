import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { driverFileEnv, findDebs, NVIDIA_DRIVER_FILES, parseGpuOptions, planVulkan, ratioLines, speedText, tfjsLabel, torchLabel } from '../../bench/gpu-env';
import { KIT_MANIFEST, kitStoresCompressed, selectKitFiles, unpackKit } from '../../bench/kit-files';

describe('parseGpuOptions', () => {
  it('defaults to the CPU bench network at 8x128x128, 3 warm-up + 10 timed steps, GPU only', () => {
    const o = parseGpuOptions([]);
    expect(o).toMatchObject({ steps: 10, warmup: 3, batch: 8, size: 128, fused: true, allowSoftware: false, torch: true, tf32: false, profile: false });
    expect(o.python).toBeUndefined();
  });

  it('reads every option', () => {
    const o = parseGpuOptions(['--size', '32', '--steps', '2', '--warmup', '0', '--batch', '2', '--unfused', '--allow-software', '--no-torch', '--tf32', '--profile', '--python', '/opt/py']);
    expect(o).toEqual({ steps: 2, warmup: 0, batch: 2, size: 32, fused: false, allowSoftware: true, torch: false, tf32: true, profile: true, python: '/opt/py' });
  });

  it('rejects unknown arguments, missing or bad numbers and sizes the network cannot pool', () => {
    expect(() => parseGpuOptions(['--backend', 'wasm'])).toThrow(/unknown argument '--backend'/);
    expect(() => parseGpuOptions(['--steps'])).toThrow(/--steps needs an integer >= 1, got ''/);
    expect(() => parseGpuOptions(['--steps', '0'])).toThrow(/--steps needs an integer >= 1/);
    expect(() => parseGpuOptions(['--warmup', '1.5'])).toThrow(/--warmup needs an integer/);
    expect(() => parseGpuOptions(['--size', '36'])).toThrow(/multiple of 8/);
    expect(() => parseGpuOptions(['--python', '--tf32'])).toThrow(/--python needs a path/);
  });
});

describe('planVulkan', () => {
  const debs = ['/k/debs/libegl1_1.6.0-1_amd64.deb', '/k/debs/libvulkan1_1.3.239.0-1_amd64.deb'];

  it('does nothing when the loader is there', () => {
    expect(planVulkan({ loaderPresent: true, root: true, debs })).toEqual({ action: 'none' });
  });

  it('unpacks the kit .debs as root when the loader is missing', () => {
    expect(planVulkan({ loaderPresent: false, root: true, debs })).toEqual({ action: 'install', debs });
  });

  it('explains what to install without root, or without a libvulkan1 .deb', () => {
    const user = planVulkan({ loaderPresent: false, root: false, debs });
    expect(user.action).toBe('explain');
    if (user.action === 'explain') {
      expect(user.message).toContain('apt-get install libvulkan1');
      expect(user.message).toContain('for f in /k/debs/*.deb; do dpkg -x "$f" /; done; ldconfig');
    }
    const noDeb = planVulkan({ loaderPresent: false, root: true, debs: ['/k/debs/libegl1_1.6.0-1_amd64.deb'] });
    expect(noDeb.action).toBe('explain');
    if (noDeb.action === 'explain') expect(noDeb.message).toContain('npm run bench:gpu:kit');
  });
});

describe('driverFileEnv', () => {
  it('points Vulkan and EGL at the driver files that exist, leaving variables already set', () => {
    const all = () => true;
    expect(driverFileEnv({}, all)).toEqual({ ...NVIDIA_DRIVER_FILES });
    expect(driverFileEnv({ VK_DRIVER_FILES: '/mine.json' }, all)).toEqual({ __EGL_VENDOR_LIBRARY_FILENAMES: NVIDIA_DRIVER_FILES.__EGL_VENDOR_LIBRARY_FILENAMES });
    expect(driverFileEnv({}, (f) => f === NVIDIA_DRIVER_FILES.VK_DRIVER_FILES)).toEqual({ VK_DRIVER_FILES: NVIDIA_DRIVER_FILES.VK_DRIVER_FILES });
    expect(driverFileEnv({}, () => false)).toEqual({});
  });
});

describe('result lines', () => {
  it('prints the goal verdict and the ratio last on a GPU against PyTorch CUDA', () => {
    expect(ratioLines({ label: tfjsLabel(false), ms: 349 }, { label: torchLabel('cuda', 1), ms: 10.7 }, true)).toEqual([
      'goal (WebGPU step <= 3x PyTorch eager on the same GPU): not met',
      'ratio tfjs webgpu / PyTorch CUDA: 32.62x',
    ]);
    expect(ratioLines({ label: 'tfjs webgpu', ms: 30 }, { label: 'PyTorch CUDA', ms: 10 }, true)[0]).toMatch(/: met$/);
  });

  it('marks software numbers and gives no GPU verdict for them', () => {
    const lines = ratioLines({ label: tfjsLabel(true), ms: 2281 }, { label: torchLabel('cpu', 2), ms: 293 }, false);
    expect(lines).toEqual(['ratio tfjs webgpu [SOFTWARE adapter, not a GPU number] / PyTorch CPU (2 threads): 7.78x']);
  });

  it('labels PyTorch by device, threads and TF32', () => {
    expect(torchLabel('cpu', 1)).toBe('PyTorch CPU (1 thread)');
    expect(torchLabel('cuda', 16, true)).toBe('PyTorch CUDA (TF32)');
  });

  it('gives ms/step and GFLOP/s, with decimals below 10 ms', () => {
    expect(speedText(349, 27.64e9)).toBe('median 349 ms/step, 79.2 GFLOP/s');
    expect(speedText(5.25, 27.64e9)).toBe('median 5.25 ms/step, 5264.8 GFLOP/s');
  });
});

describe('selectKitFiles', () => {
  const nm = '/r/node_modules';
  const pkgs = new Set([`${nm}/@tensorflow/tfjs/package.json`, `${nm}/webgpu/package.json`, `${nm}/seedrandom/package.json`]);

  it('keeps the loaded files inside node_modules and the package.json files above them, sorted', () => {
    const loaded = [
      '/r/kit/bench/gpu.js',
      `${nm}/webgpu/dist/linux-x64/dawn.node`,
      `${nm}/@tensorflow/tfjs/dist/tf.node.js`,
      `${nm}/seedrandom/lib/alea.js`,
      `${nm}/webgpu/index.js`,
      '/elsewhere/node_modules/x/index.js',
    ];
    expect(selectKitFiles(loaded, nm, (f) => pkgs.has(f))).toEqual([
      '@tensorflow/tfjs/dist/tf.node.js',
      '@tensorflow/tfjs/package.json',
      'seedrandom/lib/alea.js',
      'seedrandom/package.json',
      'webgpu/dist/linux-x64/dawn.node',
      'webgpu/index.js',
      'webgpu/package.json',
    ]);
  });

  it('does not take a sibling folder whose name starts like node_modules', () => {
    expect(selectKitFiles(['/r/node_modules_old/a.js', '/r/node_modules/a.js'], nm, () => false)).toEqual(['a.js']);
  });

  it('stores only native addons compressed (JavaScript must load as is)', () => {
    expect(kitStoresCompressed('webgpu/dist/linux-x64/dawn.node')).toBe(true);
    expect(kitStoresCompressed('@tensorflow/tfjs/dist/tf.node.js')).toBe(false);
  });
});

describe('kit folders', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-kit-test-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('unpacks the manifest’s compressed files once, and refuses one of the wrong size', () => {
    const root = tmp();
    const data = Buffer.from('dawn'.repeat(1000));
    fs.mkdirSync(path.join(root, 'm'));
    fs.writeFileSync(path.join(root, 'm', 'a.node.br'), zlib.brotliCompressSync(data));
    fs.writeFileSync(path.join(root, KIT_MANIFEST), JSON.stringify({ builtAt: '', commit: '', debs: [], compressed: [{ file: 'm/a.node', bytes: data.length }] }));
    const lines: string[] = [];
    expect(unpackKit(root, (l) => lines.push(l))).toEqual(['m/a.node']);
    expect(fs.readFileSync(path.join(root, 'm', 'a.node')).equals(data)).toBe(true);
    expect(lines).toEqual(['kit: unpacked m/a.node']);
    expect(unpackKit(root, () => undefined)).toEqual([]); // already there
    fs.writeFileSync(path.join(root, KIT_MANIFEST), JSON.stringify({ builtAt: '', commit: '', debs: [], compressed: [{ file: 'm/a.node', bytes: 7 }] }));
    expect(() => unpackKit(root, () => undefined)).toThrow(/unpacks to 4000 bytes, the manifest says 7/);
    expect(unpackKit(tmp(), () => undefined)).toEqual([]); // no manifest: not a kit
  });

  it('finds the .debs of the first folder that has any', () => {
    const a = tmp();
    const b = tmp();
    fs.writeFileSync(path.join(b, 'libvulkan1_1.3_amd64.deb'), '');
    fs.writeFileSync(path.join(b, 'libegl1_1.6_amd64.deb'), '');
    fs.writeFileSync(path.join(b, 'notes.txt'), '');
    expect(findDebs([path.join(a, 'missing'), a, b])).toEqual([path.join(b, 'libegl1_1.6_amd64.deb'), path.join(b, 'libvulkan1_1.3_amd64.deb')]);
    expect(findDebs([a])).toEqual([]);
  });
});
