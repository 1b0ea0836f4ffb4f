/**
 * `npm run bench:gpu:kit`: write `kit/` (ignored by git), everything `npm run bench:gpu` needs on
 * a machine with no network where at most 64 MiB travel (the device machine of
 * /work/.library/device/README.md):
 *
 *   kit/bench/gpu.js, kit/lib/...   the bench compiled to CommonJS by tsc (no ts-node there)
 *   kit/bench/unet2d_torch.py       the PyTorch twin
 *   kit/node_modules/               only the files a traced run loaded, and their package.json
 *                                   files; native addons (dawn.node, linux-x64 only) stored
 *                                   brotli-compressed, unpacked by gpu.js on first run
 *   kit/debs/                       the Vulkan/EGL loader .debs (apt-get download, amd64)
 *   kit/node/node.xz                this node binary, for a machine without one (--no-node: none)
 *   kit/run.sh                      the device's entry: finds or unpacks node, runs gpu.js
 *   kit/kit-manifest.json, kit/README.txt
 *
 * Then prints the kit's size (fails above 60 MiB) and, unless --no-check, runs it from a copy
 * outside the repository (so nothing resolves to the repository's node_modules) with the
 * bundled node: `sh kit/run.sh --allow-software --size 8 ...` on the software adapter.
 *
 *   npm run bench:gpu:kit -- [--out kit] [--no-node] [--no-check]
 *
 * On the device, with `carry: ["kit"]`:  sh kit/run.sh
 * (by hand: for f in kit/debs/*.deb; do dpkg -x $f /; done; ldconfig; node kit/bench/gpu.js)
 */
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compressFile, KIT_MANIFEST, KitManifest, kitStoresCompressed, selectKitFiles } from './kit-files';

const REPO = path.resolve(__dirname, '..');
const MAX_MIB = 60;
/** The loader packages of the device README (libvulkan1 is the one Dawn's Vulkan path needs). */
const DEBS = ['libvulkan1', 'libegl1', 'libglvnd0', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'];
/** A tiny run on the software adapter: enough to load every module the bench loads. */
const SMOKE_ARGS = ['--allow-software', '--size', '8', '--batch', '1', '--steps', '1', '--warmup', '0', '--no-torch'];

interface KitOptions {
  out: string;
  node: boolean;
  check: boolean;
}

function parseKitOptions(argv: string[]): KitOptions {
  const o: KitOptions = { out: path.join(REPO, 'kit'), node: true, check: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' && argv[i + 1]) o.out = path.resolve(argv[++i]);
    else if (a === '--no-node') o.node = false;
    else if (a === '--no-check') o.check = false;
    else throw new Error(`bench:gpu:kit: unknown argument '${a}' (see the header of bench/gpu-kit.ts)`);
  }
  return o;
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${String(r.stderr || '').trim()}\n${String(r.stdout || '').trim().split('\n').slice(-15).join('\n')}`);
  return String(r.stdout);
}

/** Empty the kit folder, keeping the slow parts (node/, debs/), which are checked later. */
function clean(out: string): void {
  fs.mkdirSync(out, { recursive: true });
  for (const e of fs.readdirSync(out)) {
    if (e !== 'node' && e !== 'debs') fs.rmSync(path.join(out, e), { recursive: true, force: true });
  }
}

/** tsc: bench/gpu.ts and what it imports, to CommonJS under out/ (out/bench, out/lib). */
function compile(out: string): void {
  const tsc = require.resolve('typescript/bin/tsc');
  const flags = ['--outDir', out, '--rootDir', REPO, '--module', 'commonjs', '--target', 'ES2020', '--lib', 'ES2022,DOM', '--moduleResolution', 'node'];
  flags.push('--esModuleInterop', '--skipLibCheck', '--strict', '--resolveJsonModule', '--types', 'node', '--noEmitOnError');
  run(process.execPath, [tsc, ...flags, path.join(REPO, 'bench', 'gpu.ts')], { cwd: REPO });
  fs.copyFileSync(path.join(REPO, 'bench', 'unet2d_torch.py'), path.join(out, 'bench', 'unet2d_torch.py'));
  if (!fs.existsSync(path.join(out, 'bench', 'gpu.js'))) throw new Error('tsc wrote no bench/gpu.js');
}

/** Run the compiled bench once (software adapter) and list every module file it loaded. */
function traceModules(out: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backsplit-kit-trace-'));
  try {
    const preload = path.join(dir, 'trace.js');
    const list = path.join(dir, 'loaded.json');
    fs.writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));\n`);
    const env = { ...process.env, NODE_PATH: path.join(REPO, 'node_modules') };
    run(process.execPath, ['-r', preload, path.join(out, 'bench', 'gpu.js'), ...SMOKE_ARGS], { cwd: dir, env });
    return JSON.parse(fs.readFileSync(list, 'utf8')) as string[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Copy the traced files of node_modules into out/node_modules; returns the compressed ones. */
function copyModules(out: string, loaded: string[]): { files: number; compressed: KitManifest['compressed'] } {
  const nm = fs.realpathSync(path.join(REPO, 'node_modules'));
  const files = selectKitFiles(loaded, nm, fs.existsSync);
  const compressed: KitManifest['compressed'] = [];
  for (const rel of files) {
    const src = path.join(nm, rel);
    const dest = path.join(out, 'node_modules', rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (kitStoresCompressed(rel)) {
      const packed = compressFile(src, `${dest}.br`);
      const bytes = fs.statSync(src).size;
      compressed.push({ file: `node_modules/${rel}`, bytes });
      console.log(`  ${rel}: ${(bytes / 2 ** 20).toFixed(1)} MiB, stored brotli-compressed (${(packed / 2 ** 20).toFixed(1)} MiB)`);
    } else fs.copyFileSync(src, dest);
  }
  if (!files.some((f) => f.endsWith('linux-x64/dawn.node'))) throw new Error('the traced run loaded no webgpu/dist/linux-x64/dawn.node');
  return { files: files.length, compressed };
}

/** The .debs, downloaded once with apt (amd64 lists of their own, as the device README does). */
function fetchDebs(out: string): string[] {
  const dir = path.join(out, 'debs');
  fs.mkdirSync(dir, { recursive: true });
  const have = () => fs.readdirSync(dir).filter((f) => f.endsWith('.deb')).sort();
  const missing = DEBS.filter((p) => !have().some((f) => f.startsWith(`${p}_`)));
  if (missing.length > 0) {
    const lists = path.join(os.tmpdir(), 'backsplit-apt-amd64');
    fs.mkdirSync(path.join(lists, 'partial'), { recursive: true });
    const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
    if (!fs.readdirSync(lists).some((f) => f.endsWith('_Packages') || f.endsWith('_Packages.lz4'))) run('apt-get', [...o, 'update'], { stdio: 'ignore' });
    run('apt-get', [...o, 'download', ...missing], { cwd: dir });
    console.log(`  downloaded ${missing.join(', ')}`);
  }
  return have();
}

/** This node binary, xz-compressed (about 24 MB of 99), reused while the version matches. */
function bundleNode(out: string): KitManifest['node'] {
  const dir = path.join(out, 'node');
  const file = 'node/node.xz';
  const stamp = path.join(dir, 'VERSION');
  const version = process.version;
  if (fs.existsSync(path.join(out, file)) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === version) return { version, file };
  fs.mkdirSync(dir, { recursive: true });
  console.log(`  compressing ${process.execPath} (${version}) with xz -9; about a minute`);
  const part = path.join(out, `${file}.part`);
  const fd = fs.openSync(part, 'w');
  try {
    run('xz', ['-9', '-T1', '-c', process.execPath], { stdio: ['ignore', fd, 'pipe'] });
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(part, path.join(out, file));
  fs.writeFileSync(stamp, `${version}\n`);
  return { version, file };
}

const RUN_SH = `#!/bin/sh
# BackSplit GPU bench kit (npm run bench:gpu:kit). On the device machine, from the repository root,
# with carry ["kit"]:   sh kit/run.sh [bench:gpu options]
# Uses node from PATH (>= 20.19, for webgpu's ES module) or unpacks the bundled kit/node/node.xz
# (KIT_BUNDLED_NODE=1 forces it), then runs kit/bench/gpu.js, which unpacks kit/debs into / when
# libvulkan.so.1 is missing and it runs as root, and points Vulkan at the NVIDIA driver's ICD.
set -e
here=$(cd "$(dirname "$0")" && pwd)
node_ok() { "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; }
node_bin=$(command -v node || true)
if [ -n "$KIT_BUNDLED_NODE" ] || [ -z "$node_bin" ] || ! node_ok "$node_bin"; then
  [ -f "$here/node/node.xz" ] || { echo "kit: no usable node on PATH and no bundled node (kit built with --no-node)" >&2; exit 1; }
  node_bin="\${TMPDIR:-/tmp}/backsplit-kit-node-$(cat "$here/node/VERSION")/node"
  if [ ! -x "$node_bin" ]; then
    mkdir -p "$(dirname "$node_bin")"
    if command -v xz >/dev/null 2>&1; then xz -dc "$here/node/node.xz" > "$node_bin.part"
    else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$here/node/node.xz" "$node_bin.part"; fi
    chmod +x "$node_bin.part" && mv "$node_bin.part" "$node_bin"
  fi
fi
echo "kit: node $("$node_bin" --version) at $node_bin"
exec "$node_bin" "$here/bench/gpu.js" "$@"
`;

const README = `BackSplit GPU bench kit, written by \`npm run bench:gpu:kit\` (bench/gpu-kit.ts); do not edit.
On a GPU machine with no network, from the folder that holds kit/:

  sh kit/run.sh                     (device tool: carry ["kit"], timeout_s 300)

by hand: for f in kit/debs/*.deb; do dpkg -x $f /; done; ldconfig; node kit/bench/gpu.js
The last line printed is \`ratio tfjs webgpu / PyTorch CUDA: N.NNx\`. Options: see bench/gpu.ts.
`;

function sizeOf(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const s = sizeOf(p);
      files += s.files;
      bytes += s.bytes;
    } else {
      files++;
      bytes += fs.lstatSync(p).size;
    }
  }
  return { files, bytes };
}

/** Bytes of the files git tracks (what travels to the device besides the carried kit). */
function trackedBytes(): number {
  const names = run('git', ['ls-files', '-z'], { cwd: REPO }).split('\0').filter((n) => n.length > 0);
  return names.reduce((s, n) => s + (fs.existsSync(path.join(REPO, n)) ? fs.lstatSync(path.join(REPO, n)).size : 0), 0);
}

/** Run the kit from a copy outside the repository, with the bundled node when there is one. */
function checkKit(out: string, bundledNode: boolean): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backsplit-kit-check-'));
  try {
    fs.cpSync(out, path.join(dir, 'kit'), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, TMPDIR: dir };
    delete env.NODE_PATH;
    if (bundledNode) env.KIT_BUNDLED_NODE = '1';
    const stdout = run('sh', ['kit/run.sh', ...SMOKE_ARGS], { cwd: dir, env });
    if (!/median .* ms\/step/.test(stdout)) throw new Error(`the kit's check run printed no timing:\n${stdout}`);
    console.log(stdout.trim().split('\n').map((l) => `  | ${l}`).join('\n'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const o = parseKitOptions(process.argv.slice(2));
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`bench:gpu:kit: build the kit on linux-x64 (the device's platform), not ${process.platform}-${process.arch}`);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(`kit: building ${o.out}`);
  clean(o.out);
  compile(o.out);
  const loaded = traceModules(o.out);
  const mods = copyModules(o.out, loaded);
  console.log(`kit: ${mods.files} files of node_modules (traced run loaded ${loaded.length} modules)`);
  const debs = fetchDebs(o.out);
  console.log(`kit: debs/ ${debs.join(' ')}`);
  if (!o.node) fs.rmSync(path.join(o.out, 'node'), { recursive: true, force: true });
  const node = o.node ? bundleNode(o.out) : undefined;
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout.trim();
  const manifest: KitManifest = { builtAt: new Date().toISOString(), commit, compressed: mods.compressed, node, debs };
  fs.writeFileSync(path.join(o.out, KIT_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(o.out, 'run.sh'), RUN_SH, { mode: 0o755 });
  fs.writeFileSync(path.join(o.out, 'README.txt'), README);
  const size = sizeOf(o.out);
  const tree = trackedBytes();
  console.log(`kit: ${size.files} files, ${mib(size.bytes)} (limit ${MAX_MIB} MiB); with the tracked working tree (${mib(tree)}) ${mib(size.bytes + tree)} of the device's 64 MiB`);
  if (size.bytes > MAX_MIB * 2 ** 20) throw new Error(`bench:gpu:kit: the kit is ${mib(size.bytes)}, over ${MAX_MIB} MiB`);
  if (o.check) {
    console.log('kit: check run from a copy outside the repository (software adapter)');
    checkKit(o.out, Boolean(node));
  }
  console.log(`kit: ready. Device command (carry ["${path.relative(REPO, o.out) || o.out}"]): sh ${path.relative(REPO, o.out) || o.out}/run.sh`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
