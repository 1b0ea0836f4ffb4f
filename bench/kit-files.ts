/**
 * The GPU bench kit's files (`npm run bench:gpu:kit`, bench/gpu-kit.ts): which files of
 * node_modules a traced run loaded (plus the package.json files Node reads to resolve and
 * type them), and the kit's manifest of files stored brotli-compressed to fit the device
 * machine's 64 MiB transfer, which bench/gpu.ts unpacks in place before it loads them.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

/** The manifest's name, in the kit's root folder. */
export const KIT_MANIFEST = 'kit-manifest.json';

/** What a kit holds besides its plain files. */
export interface KitManifest {
  /** ISO time and git commit it was built from. */
  builtAt: string;
  commit: string;
  /** Files stored compressed: `file` (relative to the kit root) is `file + '.br'` until unpacked. */
  compressed: { file: string; bytes: number }[];
  /** The bundled node binary (node/node.xz), when there is one. */
  node?: { version: string; file: string };
  /** The Debian packages in debs/. */
  debs: string[];
}

/**
 * Files of `nodeModules` that a run needs, relative to it and sorted: every loaded file inside
 * it, and every package.json between such a file and `nodeModules` (Node reads them for "main",
 * "exports" and "type"). Loaded files outside `nodeModules` (the bench's own code) are left out.
 * @param loaded absolute paths (e.g. the keys of require.cache at the end of a run)
 * @param exists whether a file exists (injected for tests)
 */
export function selectKitFiles(loaded: string[], nodeModules: string, exists: (file: string) => boolean): string[] {
  const root = path.resolve(nodeModules);
  const picked = new Set<string>();
  const inside = (p: string): boolean => {
    const rel = path.relative(root, p);
    return rel.length > 0 && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  for (const file of loaded) {
    const abs = path.resolve(file);
    if (!inside(abs)) continue;
    picked.add(path.relative(root, abs));
    for (let d = path.dirname(abs); inside(d); d = path.dirname(d)) {
      const pkg = path.join(d, 'package.json');
      if (exists(pkg)) picked.add(path.relative(root, pkg));
    }
  }
  return Array.from(picked)
    .map((p) => p.split(path.sep).join('/'))
    .sort();
}

/**
 * Whether the kit stores a node_modules file brotli-compressed: native addons (dawn.node, 21 MB),
 * which load lazily (npm webgpu is required when the backend is chosen, after unpackKit), while
 * the JavaScript loads as the bench starts and must be there as is.
 */
export function kitStoresCompressed(rel: string): boolean {
  return rel.endsWith('.node');
}

/** Brotli-compress `src` into `dest` (quality 9: within a few % of 11, several times faster). */
export function compressFile(src: string, dest: string): number {
  const out = zlib.brotliCompressSync(fs.readFileSync(src), {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_LGWIN]: 24 },
  });
  fs.writeFileSync(dest, out);
  return out.length;
}

/**
 * Unpack the kit's compressed files that are not unpacked yet (a kit root without a manifest,
 * e.g. the repository itself, has none). Returns the files unpacked.
 */
export function unpackKit(kitRoot: string, log: (line: string) => void): string[] {
  const manifestFile = path.join(kitRoot, KIT_MANIFEST);
  if (!fs.existsSync(manifestFile)) return [];
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as KitManifest;
  const done: string[] = [];
  for (const { file, bytes } of manifest.compressed) {
    const target = path.join(kitRoot, file);
    if (fs.existsSync(target) && fs.statSync(target).size === bytes) continue;
    const data = zlib.brotliDecompressSync(fs.readFileSync(`${target}.br`));
    if (data.length !== bytes) throw new Error(`kit: ${file}.br unpacks to ${data.length} bytes, the manifest says ${bytes}`);
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target);
    done.push(file);
  }
  if (done.length > 0) log(`kit: unpacked ${done.join(', ')}`);
  return done;
}
