import { createHash } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeNetworkError,
  downloadWithResume,
  findMsdTask,
  formatProgress,
  md5File,
  MSD_TASKS,
  parseContentRange,
} from '../../data-scripts/msd';

const tmp = mkdtempSync(path.join(tmpdir(), 'backsplit-msd-dl-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('MSD download helper (no internet)', () => {
  it('task table is complete and lookups work', () => {
    expect(MSD_TASKS).toHaveLength(10);
    for (const t of MSD_TASKS) {
      expect(t.md5).toMatch(/^[0-9a-f]{32}$/);
      expect(t.url).toBe(`https://msd-for-monai.s3-us-west-2.amazonaws.com/${t.task}.tar`);
    }
    expect(findMsdTask('Task03').task).toBe('Task03_Liver');
    expect(findMsdTask('3').task).toBe('Task03_Liver');
    expect(findMsdTask('liver').lesionLabels).toEqual([2]);
    expect(findMsdTask('task10_colon').task).toBe('Task10_Colon');
    expect(() => findMsdTask('Task11')).toThrow(/unknown MSD task 'Task11'/);
  });
  it('MD5 of a file matches the known digest', async () => {
    const f = path.join(tmp, 'hello.txt');
    writeFileSync(f, 'hello');
    expect(await md5File(f)).toBe('5d41402abc4b2a76b9719d911017c592');
  });
  it('parses Content-Range', () => {
    expect(parseContentRange('bytes 100-199/1000')).toEqual({ start: 100, end: 199, total: 1000 });
    expect(parseContentRange('bytes 5-9/*')).toEqual({ start: 5, end: 9, total: null });
    expect(parseContentRange('bytes 9-5/10')).toBeNull();
    expect(parseContentRange('items 0-1/2')).toBeNull();
    expect(parseContentRange(undefined)).toBeNull();
  });
  it('formats progress', () => {
    expect(formatProgress(500e6, 1e9, 10000, 10)).toBe('[#####.....]  50.0%  500.0 MB / 1.0 GB  50.0 MB/s');
    expect(formatProgress(1500, null, 1000)).toBe('1.5 kB  1.5 kB/s');
  });
  it('offline errors read clearly', () => {
    const msg = describeNetworkError(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), 'https://msd-for-monai.s3-us-west-2.amazonaws.com/x.tar');
    expect(msg).toMatch(/cannot reach msd-for-monai\.s3-us-west-2\.amazonaws\.com \(ENOTFOUND\): this machine looks offline/);
    expect(describeNetworkError(new Error('boom'), 'http://x/y')).toMatch(/download of http:\/\/x\/y failed: boom/);
  });
  it('resumes a partial download with a Range request (local loopback server)', async () => {
    const payload = Buffer.from(Array.from({ length: 10000 }, (_, i) => i % 251));
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      const range = req.headers.range;
      seen.push(range ?? 'none');
      const m = range ? /bytes=(\d+)-/.exec(range) : null;
      if (m) {
        const start = Number(m[1]);
        res.writeHead(206, { 'Content-Range': `bytes ${start}-${payload.length - 1}/${payload.length}`, 'Content-Length': payload.length - start });
        res.end(payload.subarray(start));
      } else {
        res.writeHead(200, { 'Content-Length': payload.length });
        res.end(payload);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/Task99.tar`;
    try {
      const dest = path.join(tmp, 'Task99.tar');
      writeFileSync(`${dest}.part`, payload.subarray(0, 4321));
      const progress: number[] = [];
      await downloadWithResume(url, dest, { onProgress: (d) => progress.push(d) });
      expect(seen).toEqual(['bytes=4321-']);
      expect(existsSync(`${dest}.part`)).toBe(false);
      expect(readFileSync(dest).equals(payload)).toBe(true);
      expect(progress[progress.length - 1]).toBe(10000);
      expect(await md5File(dest)).toBe(createHash('md5').update(payload).digest('hex'));
    } finally {
      server.close();
    }
  });
  it('fails with a clear message when the host cannot be reached', async () => {
    // port 9 on loopback: nothing listens, the connection is refused locally (no internet involved)
    await expect(downloadWithResume('http://127.0.0.1:9/x.tar', path.join(tmp, 'x.tar'))).rejects.toThrow(/cannot reach 127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  });
});
