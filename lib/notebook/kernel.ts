/**
 * A minimal Jupyter kernel client for the project-local tslab kernel: starts
 * the kernel as a child process, executes code over ZeroMQ and collects the
 * outputs in nbformat 4 shape. No Python, no Jupyter.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zmq from 'zeromq';
import {
  ConnectionInfo,
  DisplayDataContent,
  ErrorContent,
  ExecuteInputContent,
  ExecuteReplyContent,
  ExecuteResultContent,
  JupyterMessage,
  StatusContent,
  StreamContent,
  decodeMessage,
  encodeMessage,
  newMessage,
} from './protocol';

/** One nbformat-4 output. */
export type CellOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { output_type: 'display_data'; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: 'execute_result'; data: Record<string, unknown>; metadata: Record<string, unknown>; execution_count: number | null }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

export interface ExecuteResult {
  status: 'ok' | 'error' | 'timeout';
  executionCount: number | null;
  outputs: CellOutput[];
  /** Error text when status is not ok. */
  error?: string;
  seconds: number;
  /** How the cell showed that it was progressing (see {@link CellProgress}). */
  progress: CellProgress;
}

/**
 * What a cell showed while it ran: how many times a display was rewritten in place
 * (update_display_data: a live line) and whether an ETA appeared in such a line ('live') or only in
 * printed text ('printed'), or nowhere ('none').
 */
export interface CellProgress {
  liveUpdates: number;
  eta: 'live' | 'printed' | 'none';
}

export const KERNEL_DIR = path.resolve(__dirname, '..', '..', 'jupyter', 'kernels', 'backsplit-tslab');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface KernelOptions {
  /** Extra environment for the kernel process. */
  env?: NodeJS.ProcessEnv;
  /** Seconds to wait for the kernel to answer kernel_info. */
  startTimeoutS?: number;
}

/** What execute collects from the iopub messages of one request. */
interface CellRun {
  outputs: CellOutput[];
  executionCount: number | null;
  errorText?: string;
  /** display_id → index in outputs, so an update_display_data rewrites that output in place. */
  displays: Map<string, number>;
  progress: CellProgress;
}

function plainText(data: Record<string, unknown>): string {
  const t = data['text/plain'];
  return Array.isArray(t) ? t.join('') : typeof t === 'string' ? t : '';
}

/** Fold one iopub message of the request into `run`; true once the kernel reports idle. */
function collectIopub(run: CellRun, msg: JupyterMessage): boolean {
  const { outputs } = run;
  const c = msg.content;
  switch (msg.header.msg_type) {
    case 'stream': {
      const s = c as StreamContent;
      const last = outputs[outputs.length - 1];
      if (last && last.output_type === 'stream' && last.name === s.name) last.text += s.text;
      else outputs.push({ output_type: 'stream', name: s.name, text: s.text });
      if (run.progress.eta === 'none' && /\bETA\b/.test(s.text)) run.progress.eta = 'printed';
      break;
    }
    case 'display_data': {
      const d = c as DisplayDataContent;
      outputs.push({ output_type: 'display_data', data: d.data, metadata: d.metadata || {} });
      if (d.transient?.display_id) run.displays.set(d.transient.display_id, outputs.length - 1);
      break;
    }
    case 'update_display_data': {
      // a display rewritten in place (e.g. a progress line): keep its latest content
      const d = c as DisplayDataContent;
      const at = d.transient?.display_id ? run.displays.get(d.transient.display_id) : undefined;
      if (at !== undefined) outputs[at] = { output_type: 'display_data', data: d.data, metadata: d.metadata || {} };
      run.progress.liveUpdates++;
      if (/\bETA\b/.test(plainText(d.data))) run.progress.eta = 'live';
      break;
    }
    case 'execute_result': {
      const r = c as ExecuteResultContent;
      run.executionCount = r.execution_count ?? run.executionCount;
      outputs.push({ output_type: 'execute_result', data: r.data, metadata: r.metadata || {}, execution_count: r.execution_count ?? null });
      break;
    }
    case 'error': {
      const e = c as ErrorContent;
      outputs.push({ output_type: 'error', ename: e.ename, evalue: e.evalue, traceback: e.traceback || [] });
      run.errorText = [`${e.ename}: ${e.evalue}`, ...(e.traceback || [])].join('\n');
      break;
    }
    case 'execute_input':
      run.executionCount = (c as ExecuteInputContent).execution_count ?? run.executionCount;
      break;
    case 'status':
      if ((c as StatusContent).execution_state === 'idle') return true;
      break;
    default:
      break;
  }
  return false;
}

/** The result of a cell whose iopub stream went idle, given the shell's execute_reply (if any arrived). */
function finishCell(run: CellRun, reply: ExecuteReplyContent | undefined, t0: number): ExecuteResult {
  const { outputs } = run;
  let { executionCount, errorText } = run;
  if (reply && (reply.status === 'aborted' || reply.status === 'abort')) {
    return { status: 'error', executionCount, outputs, error: 'the kernel aborted this request (an earlier cell failed)', seconds: (Date.now() - t0) / 1000, progress: run.progress };
  }
  if (reply) {
    executionCount = reply.execution_count ?? executionCount;
    if (reply.status === 'error' && !errorText && reply.ename) {
      errorText = `${reply.ename}: ${reply.evalue}`;
    }
  }
  // tslab reports compile errors and some exceptions only as stderr text, with
  // an execute_reply that has no ename/evalue: use that text as the error.
  if (reply && reply.status === 'error' && (!errorText || !reply.ename)) {
    const stderr = outputs
      .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
      .map((o) => (o as { text: string }).text)
      .join('');
    errorText = stderr.trim() || errorText || 'the cell failed without an error message';
  }
  return {
    status: errorText || (reply && reply.status === 'error') ? 'error' : 'ok',
    executionCount,
    outputs,
    error: errorText,
    seconds: (Date.now() - t0) / 1000,
    progress: run.progress,
  };
}

export class KernelClient {
  private child?: ChildProcess;
  private shell?: zmq.Dealer;
  private iopub?: zmq.Subscriber;
  private conn?: ConnectionInfo;
  private connFile?: string;
  private session = randomBytes(8).toString('hex');
  private iopubQueue: JupyterMessage[] = [];
  private iopubWaiters: (() => void)[] = [];
  private shellReplies = new Map<string, JupyterMessage>();
  private shellWaiters: (() => void)[] = [];
  private closed = false;
  private childExit?: string;
  private stderrTail = '';
  /** The kernel's kernel_info reply content (language_info, implementation, ...), once started. */
  info?: Record<string, unknown>;

  async start(opts: KernelOptions = {}): Promise<void> {
    const ports = [] as number[];
    for (let i = 0; i < 5; i++) ports.push(await freePort());
    this.conn = {
      transport: 'tcp',
      ip: '127.0.0.1',
      shell_port: ports[0],
      iopub_port: ports[1],
      stdin_port: ports[2],
      control_port: ports[3],
      hb_port: ports[4],
      key: randomBytes(16).toString('hex'),
      signature_scheme: 'hmac-sha256',
      kernel_name: 'backsplit-tslab',
    };
    this.connFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'backsplit-kernel-')), 'connection.json');
    fs.writeFileSync(this.connFile, JSON.stringify(this.conn), { mode: 0o600 });
    this.child = spawn(process.execPath, [path.join(KERNEL_DIR, 'launch.js'), this.connFile], {
      env: { ...process.env, ...(opts.env || {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', () => undefined);
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
    this.child.on('exit', (code, signal) => {
      this.childExit = `kernel process exited (code ${code}, signal ${signal})`;
      this.wakeAll();
    });

    this.shell = new zmq.Dealer({ linger: 0 });
    this.shell.connect(`tcp://127.0.0.1:${this.conn.shell_port}`);
    this.iopub = new zmq.Subscriber({ linger: 0 });
    this.iopub.connect(`tcp://127.0.0.1:${this.conn.iopub_port}`);
    this.iopub.subscribe();
    void this.pump(this.shell, (m) => {
      const id = m.parent_header.msg_id;
      if (id) this.shellReplies.set(id, m);
      this.shellWaiters.splice(0).forEach((w) => w());
    });
    void this.pump(this.iopub, (m) => {
      this.iopubQueue.push(m);
      this.iopubWaiters.splice(0).forEach((w) => w());
    });

    // Ask for kernel_info until it answers and iopub delivers (ZeroMQ's slow joiner).
    const deadline = Date.now() + (opts.startTimeoutS ?? 60) * 1000;
    for (;;) {
      if (this.childExit) throw new Error(`${this.childExit} during start-up:\n${this.stderrTail}`);
      if (Date.now() > deadline) throw new Error(`kernel did not start within ${opts.startTimeoutS ?? 60} s:\n${this.stderrTail}`);
      const req = newMessage(this.session, 'kernel_info_request', {});
      await this.shell.send(encodeMessage(this.conn.key, req));
      const reply = await this.waitShell(req.header.msg_id, 2000);
      if (reply && this.iopubQueue.some((m) => m.parent_header.msg_id === req.header.msg_id)) {
        this.info = reply.content as Record<string, unknown>;
        this.iopubQueue = [];
        return;
      }
      await sleep(100);
    }
  }

  private async pump(sock: zmq.Dealer | zmq.Subscriber, onMessage: (m: JupyterMessage) => void): Promise<void> {
    try {
      for await (const frames of sock) {
        try {
          onMessage(decodeMessage(this.conn!.key, frames as Buffer[]));
        } catch {
          // A malformed message cannot belong to our requests; ignore it.
        }
      }
    } catch {
      // Socket closed.
    }
  }

  private wakeAll(): void {
    this.shellWaiters.splice(0).forEach((w) => w());
    this.iopubWaiters.splice(0).forEach((w) => w());
  }

  private async waitShell(msgId: string, timeoutMs: number): Promise<JupyterMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (!this.shellReplies.has(msgId)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.childExit) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.shellWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const reply = this.shellReplies.get(msgId);
    this.shellReplies.delete(msgId);
    return reply;
  }

  private async nextIopub(timeoutMs: number): Promise<JupyterMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.iopubQueue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0 || this.childExit) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.iopubWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.iopubQueue.shift();
  }

  /**
   * Execute `code` and collect its outputs until the kernel is idle again.
   * On timeout the kernel is interrupted (SIGINT) and the result is 'timeout'.
   */
  async execute(code: string, timeoutS: number, opts: { silent?: boolean } = {}): Promise<ExecuteResult> {
    if (!this.shell || !this.conn) throw new Error('kernel not started');
    const t0 = Date.now();
    const req = newMessage(this.session, 'execute_request', {
      code,
      silent: !!opts.silent,
      store_history: !opts.silent,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    const id = req.header.msg_id;
    await this.shell.send(encodeMessage(this.conn.key, req));
    const run: CellRun = { outputs: [], executionCount: null, displays: new Map(), progress: { liveUpdates: 0, eta: 'none' } };
    let idle = false;
    const deadline = t0 + timeoutS * 1000;
    while (!idle) {
      const msg = await this.nextIopub(Math.max(0, deadline - Date.now()));
      if (!msg) return this.abandonCell(run, id, t0, timeoutS);
      if (msg.parent_header.msg_id !== id) continue;
      idle = collectIopub(run, msg);
    }
    const reply = await this.waitShell(id, 5000);
    return finishCell(run, reply ? (reply.content as ExecuteReplyContent) : undefined, t0);
  }

  /**
   * Send every code in `codes` at once, as the notebook's Run All does, and collect each request's
   * outputs until all are idle. `statuses` lists the kernel's busy/idle messages in arrival order with
   * the index of the request they belong to: a kernel that handles requests one after another shows
   * busy(0) idle(0) busy(1) idle(1) … (`at`: when this client received each, ms since the epoch);
   * a request the kernel did not run (an earlier one failed) comes
   * back as an error saying it was aborted. On timeout the kernel is interrupted and the unfinished
   * requests are 'timeout'.
   */
  async executeQueued(codes: string[], timeoutS: number): Promise<{ results: ExecuteResult[]; statuses: { request: number; state: string; at: number }[] }> {
    if (!this.shell || !this.conn) throw new Error('kernel not started');
    const t0 = Date.now();
    const ids: string[] = [];
    for (const code of codes) {
      const req = newMessage(this.session, 'execute_request', {
        code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true,
      });
      ids.push(req.header.msg_id);
      await this.shell.send(encodeMessage(this.conn.key, req));
    }
    const runs: CellRun[] = codes.map(() => ({ outputs: [], executionCount: null, displays: new Map(), progress: { liveUpdates: 0, eta: 'none' } }));
    const idle = codes.map(() => false);
    const statuses: { request: number; state: string; at: number }[] = [];
    const deadline = t0 + timeoutS * 1000;
    while (idle.includes(false)) {
      const msg = await this.nextIopub(Math.max(0, deadline - Date.now()));
      if (!msg) {
        if (!this.childExit) this.child?.kill('SIGINT');
        const why = this.childExit ? `${this.childExit}\n${this.stderrTail}` : `requests timed out after ${timeoutS} s`;
        const results = runs.map((run, i): ExecuteResult => (idle[i]
          ? finishCell(run, undefined, t0)
          : { status: this.childExit ? 'error' : 'timeout', executionCount: run.executionCount, outputs: run.outputs, error: why, seconds: (Date.now() - t0) / 1000, progress: run.progress }));
        return { results, statuses };
      }
      const i = ids.indexOf(msg.parent_header.msg_id ?? '');
      if (i < 0) continue;
      if (msg.header.msg_type === 'status') statuses.push({ request: i, state: (msg.content as StatusContent).execution_state, at: Date.now() });
      if (collectIopub(runs[i], msg)) idle[i] = true;
    }
    const results: ExecuteResult[] = [];
    for (const [i, id] of ids.entries()) {
      const reply = await this.waitShell(id, 5000);
      results.push(finishCell(runs[i], reply ? (reply.content as ExecuteReplyContent) : undefined, t0));
    }
    return { results, statuses };
  }

  /**
   * No iopub message before the deadline: an error when the kernel died, otherwise interrupt
   * the kernel, give it a moment to report the interruption and give up on this cell.
   */
  private async abandonCell(run: CellRun, id: string, t0: number, timeoutS: number): Promise<ExecuteResult> {
    const { executionCount, outputs } = run;
    if (this.childExit) {
      return { status: 'error', executionCount, outputs, error: `${this.childExit}\n${this.stderrTail}`, seconds: (Date.now() - t0) / 1000, progress: run.progress };
    }
    this.child?.kill('SIGINT');
    const settle = Date.now() + 5000;
    while (Date.now() < settle) {
      const m = await this.nextIopub(settle - Date.now());
      if (!m) break;
      if (m.parent_header.msg_id === id && m.header.msg_type === 'status' && (m.content as StatusContent).execution_state === 'idle') break;
    }
    return { status: 'timeout', executionCount, outputs, error: `cell timed out after ${timeoutS} s`, seconds: (Date.now() - t0) / 1000, progress: run.progress };
  }

  /** Errors recorded by the launcher outside any cell since the last call. */
  async takeAsyncErrors(): Promise<string[]> {
    const marker = '__BACKSPLIT_ASYNC_ERRORS__';
    const res = await this.execute(
      `console.log('${marker}' + JSON.stringify(((globalThis as any).__backsplitAsyncErrors || []).splice(0)))`,
      30,
    );
    for (const out of res.outputs) {
      if (out.output_type !== 'stream') continue;
      const line = out.text.split('\n').find((l) => l.startsWith(marker));
      if (line) {
        try {
          return (JSON.parse(line.slice(marker.length)) as unknown[]).map(String);
        } catch {
          return [`could not read async errors from the kernel: ${line}`];
        }
      }
    }
    return [`could not query async errors (${res.status}): ${res.error ?? 'no answer'}`];
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.shell && this.conn && !this.childExit) {
        const req = newMessage(this.session, 'shutdown_request', { restart: false });
        await this.shell.send(encodeMessage(this.conn.key, req));
        await this.waitShell(req.header.msg_id, 2000);
      }
    } catch {
      // The kernel may already be gone.
    }
    this.shell?.close();
    this.iopub?.close();
    if (this.child && !this.childExit) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child?.kill('SIGKILL'), 3000);
      await new Promise<void>((r) => (this.childExit ? r() : this.child!.once('exit', () => r())));
      clearTimeout(t);
    }
    if (this.connFile) fs.rmSync(path.dirname(this.connFile), { recursive: true, force: true });
  }
}
