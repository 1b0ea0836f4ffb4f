/**
 * Medical Segmentation Decathlon download helper (for machines with internet).
 *
 *   npx ts-node --transpile-only data-scripts/msd.ts list
 *   npx ts-node --transpile-only data-scripts/msd.ts download Task03_Liver [--dir data/msd] [--no-extract]
 *
 * Downloads the task's .tar from the AWS open-data mirror used by MONAI, resumes a
 * partial download with an HTTP Range request, shows a progress bar, checks the MD5
 * and extracts with the system `tar`. Offline, it stops with one clear message.
 * Then load it with `loadMsdDataset('<dir>/Task03_Liver', { lesionLabels: [2] })`.
 *
 * The network part is kept small; everything else (task table, MD5, Content-Range
 * parsing, progress formatting, error wording) is pure and unit-tested offline.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';

/** One MSD task: where to get it and how to use it for lesion segmentation. */
export interface MsdTask {
  task: string;
  url: string;
  md5: string;
  /** Approximate archive size (from the MSD release), for planning only; the server's length is authoritative. */
  approxBytes: number;
  modality: string;
  /** Label values in labelsTr. */
  labels: Record<number, string>;
  /** Suggested lesion label values for BackSplit (null when the task has no lesion class). */
  lesionLabels: number[] | null;
}

const GB = 1e9;
const MB = 1e6;
const MIRROR = 'https://msd-for-monai.s3-us-west-2.amazonaws.com';

/** The ten MSD tasks (URLs and MD5 sums as published by MONAI's DecathlonDataset). */
export const MSD_TASKS: MsdTask[] = ([
  { task: 'Task01_BrainTumour', md5: '240a19d752f0d9e9101544901065d872', approxBytes: 7.1 * GB, modality: 'MRI FLAIR/T1w/T1gd/T2w (4D)', labels: { 0: 'background', 1: 'edema', 2: 'non-enhancing tumor', 3: 'enhancing tumour' }, lesionLabels: [1, 2, 3] },
  { task: 'Task02_Heart', md5: '06ee59366e1e5124267b774dbd654057', approxBytes: 435 * MB, modality: 'MRI', labels: { 0: 'background', 1: 'left atrium' }, lesionLabels: null },
  { task: 'Task03_Liver', md5: 'a90ec6c4aa7f6a3d087205e23d4e6397', approxBytes: 27.1 * GB, modality: 'CT', labels: { 0: 'background', 1: 'liver', 2: 'cancer' }, lesionLabels: [2] },
  { task: 'Task04_Hippocampus', md5: '9d24dba78a72977dbd1d2e110310f31b', approxBytes: 27 * MB, modality: 'MRI', labels: { 0: 'background', 1: 'anterior', 2: 'posterior' }, lesionLabels: null },
  { task: 'Task05_Prostate', md5: '35138f08b1efaef89d7424d2bcc928db', approxBytes: 229 * MB, modality: 'MRI T2/ADC (4D)', labels: { 0: 'background', 1: 'PZ', 2: 'TZ' }, lesionLabels: null },
  { task: 'Task06_Lung', md5: '8afd997733c7fc0432f71255ba4e52dc', approxBytes: 8.5 * GB, modality: 'CT', labels: { 0: 'background', 1: 'cancer' }, lesionLabels: [1] },
  { task: 'Task07_Pancreas', md5: '4f7080cfca169fa8066d17ce6eb061e4', approxBytes: 11.4 * GB, modality: 'CT', labels: { 0: 'background', 1: 'pancreas', 2: 'cancer' }, lesionLabels: [2] },
  { task: 'Task08_HepaticVessel', md5: '641d79e80ec66453921d997fbf12a29c', approxBytes: 8.8 * GB, modality: 'CT', labels: { 0: 'background', 1: 'vessel', 2: 'tumour' }, lesionLabels: [2] },
  { task: 'Task09_Spleen', md5: '410d4a301da4e5b2f6f86ec3ddba524e', approxBytes: 1.5 * GB, modality: 'CT', labels: { 0: 'background', 1: 'spleen' }, lesionLabels: null },
  { task: 'Task10_Colon', md5: 'bad7a188931dc2f6acf72b08eb6202d0', approxBytes: 5.4 * GB, modality: 'CT', labels: { 0: 'background', 1: 'colon cancer primaries' }, lesionLabels: [1] },
] as Array<Omit<MsdTask, 'url'>>).map((t) => ({ ...t, url: `${MIRROR}/${t.task}.tar` }));

/** Find a task by full name ('Task03_Liver'), number ('Task03', '3', '03') or short name ('liver'), case-insensitive. */
export function findMsdTask(name: string): MsdTask {
  const q = name.trim().toLowerCase();
  const num = /^(?:task)?0?(\d{1,2})$/.exec(q);
  const hit = MSD_TASKS.find((t) => {
    const lower = t.task.toLowerCase();
    if (lower === q) return true;
    if (num && Number(num[1]) === Number(t.task.slice(4, 6))) return true;
    return lower.split('_')[1] === q;
  });
  if (!hit) throw new Error(`unknown MSD task '${name}'; known: ${MSD_TASKS.map((t) => t.task).join(', ')}`);
  return hit;
}

/** MD5 of a file (streamed), hex. */
export function md5File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('md5');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', (e) => reject(new Error(`${file}: cannot read for MD5 (${e.message})`)))
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Parse `Content-Range: bytes start-end/total` (total may be '*'). Null when absent or malformed. */
export function parseContentRange(header: string | undefined): { start: number; end: number; total: number | null } | null {
  if (!header) return null;
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) return null;
  return { start, end, total: m[3] === '*' ? null : Number(m[3]) };
}

/** Human-readable byte count (decimal units). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${n.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

/** One-line progress bar: `[#####.....]  45.0%  1.2 GB / 2.7 GB  12.3 MB/s`. Total null → no bar. */
export function formatProgress(done: number, total: number | null, elapsedMs: number, width = 30): string {
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const speed = `${formatBytes(rate)}/s`;
  if (!total) return `${formatBytes(done)}  ${speed}`;
  const f = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(1).padStart(5)}%  ${formatBytes(done)} / ${formatBytes(total)}  ${speed}`;
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

/** Turn a network error into one clear sentence (offline, DNS, refused, ...). */
export function describeNetworkError(err: unknown, url: string): string {
  const e = err as NodeJS.ErrnoException;
  const code = e && e.code ? e.code : '';
  if (OFFLINE_CODES.has(code)) {
    return `cannot reach ${new URL(url).host} (${code}): this machine looks offline or the host is blocked. ` +
      'Download the task on a machine with internet and copy the extracted folder here, then load it with loadMsdDataset().';
  }
  return `download of ${url} failed: ${e && e.message ? e.message : String(err)}`;
}

/** Bytes already downloaded in `<dest>.part` (0 if none). */
export function partialBytes(dest: string): number {
  const part = `${dest}.part`;
  return existsSync(part) ? statSync(part).size : 0;
}

export interface DownloadOptions {
  onProgress?: (done: number, total: number | null) => void;
  /** Follow at most this many redirects (default 5). */
  maxRedirects?: number;
}

/**
 * Download `url` to `dest`, resuming `<dest>.part` with a Range request when it exists.
 * A server that ignores Range (200) restarts the file; 416 means the part is already complete.
 */
export function downloadWithResume(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const part = `${dest}.part`;
  const start = partialBytes(dest);
  return new Promise((resolve, reject) => {
    const get = (u: string, redirects: number) => {
      const lib = u.startsWith('https:') ? https : http;
      const req = lib.get(u, { headers: start > 0 ? { Range: `bytes=${start}-` } : {} }, (res) => {
        const status = res.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
          res.resume();
          if (redirects <= 0) return reject(new Error(`too many redirects from ${url}`));
          return get(new URL(res.headers.location, u).toString(), redirects - 1);
        }
        if (status === 416 && start > 0) {
          res.resume();
          renameSync(part, dest);
          return resolve();
        }
        let offset: number;
        let total: number | null;
        if (status === 206) {
          const range = parseContentRange(res.headers['content-range'] as string | undefined);
          if (!range || range.start !== start) {
            res.resume();
            return reject(new Error(`server answered a Range request for byte ${start} with '${res.headers['content-range']}'`));
          }
          offset = start;
          total = range.total;
        } else if (status === 200) {
          offset = 0; // server ignored Range: start over
          const len = Number(res.headers['content-length']);
          total = Number.isFinite(len) && len > 0 ? len : null;
        } else {
          res.resume();
          return reject(new Error(`download of ${u} failed: HTTP ${status}`));
        }
        const out = createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' });
        let done = offset;
        res.on('data', (chunk: Buffer) => {
          done += chunk.length;
          options.onProgress?.(done, total);
        });
        res.pipe(out);
        out.on('finish', () => {
          if (total !== null && done !== total) return reject(new Error(`download of ${u} ended early: ${done} of ${total} bytes (run again to resume)`));
          renameSync(part, dest);
          resolve();
        });
        res.on('error', (e) => reject(new Error(describeNetworkError(e, u))));
        out.on('error', (e) => reject(new Error(`${part}: cannot write (${e.message})`)));
      });
      req.on('error', (e) => reject(new Error(describeNetworkError(e, u))));
      req.setTimeout(30000, () => req.destroy(Object.assign(new Error('no answer within 30 s'), { code: 'ETIMEDOUT' })));
    };
    get(url, options.maxRedirects ?? 5);
  });
}

/** Download, verify and extract one task into `dir`. */
export async function fetchMsdTask(taskName: string, dir: string, extract = true): Promise<string> {
  const t = findMsdTask(taskName);
  mkdirSync(dir, { recursive: true });
  const tar = path.join(dir, `${t.task}.tar`);
  if (!existsSync(tar)) {
    const t0 = Date.now();
    const resumeFrom = partialBytes(tar);
    process.stderr.write(`${t.task}: ${resumeFrom ? `resuming at ${formatBytes(resumeFrom)}` : 'downloading'} from ${t.url} (about ${formatBytes(t.approxBytes)})\n`);
    let last = 0;
    await downloadWithResume(t.url, tar, {
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - last < 500) return;
        last = now;
        process.stderr.write(`\r${formatProgress(done - resumeFrom, total === null ? null : total - resumeFrom, now - t0)}`);
      },
    });
    process.stderr.write('\n');
  }
  const md5 = await md5File(tar);
  if (md5 !== t.md5) {
    throw new Error(`${tar}: MD5 ${md5} does not match the published ${t.md5}; delete the file and download again`);
  }
  if (extract) {
    const r = spawnSync('tar', ['-xf', tar, '-C', dir], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`tar -xf ${tar} failed (exit ${r.status})`);
  }
  return path.join(dir, t.task);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, name, ...rest] = argv;
  if (cmd === 'list') {
    for (const t of MSD_TASKS) {
      const lesion = t.lesionLabels ? `lesion labels ${t.lesionLabels.join(',')}` : 'no lesion class';
      process.stdout.write(`${t.task.padEnd(22)} ${formatBytes(t.approxBytes).padStart(9)}  ${t.modality.padEnd(28)} ${lesion}\n`);
    }
    return 0;
  }
  if (cmd === 'download' && name) {
    const di = rest.indexOf('--dir');
    const dir = di >= 0 ? rest[di + 1] : path.join('data', 'msd');
    const out = await fetchMsdTask(name, dir, !rest.includes('--no-extract'));
    const t = findMsdTask(name);
    process.stdout.write(`${out}\n`);
    if (t.lesionLabels) process.stdout.write(`load with: loadMsdDataset('${out}', { lesionLabels: [${t.lesionLabels.join(', ')}] })\n`);
    return 0;
  }
  process.stderr.write('usage: msd.ts list | msd.ts download <task> [--dir data/msd] [--no-extract]\n');
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`msd: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
