/**
 * Multi-threaded tfjs wasm backend under Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD binary but refuses it in Node
 * (`WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false there, tfjs#3830), and forcing
 * the flag fails because Emscripten's pthread workers are started from `blob:` URLs,
 * which Node's `worker_threads` cannot load (ERR_WORKER_PATH). Two more obstacles sit
 * behind that: the pthread main script is the factory's `toString()`, which refers to
 * module-scope names of the Node bundle (`require$$0`, `commonjsGlobal`, ...), and the
 * C++ side caps the XNNPACK pool at `logical cores / 2` (one thread on a 2-core machine).
 *
 * `withWasmThreads()` wraps the backend's initialisation and, only for that moment:
 * records the text of Blobs built from strings and maps `URL.createObjectURL` of such a
 * Blob to a real file (the worker script, with its `importScripts` pointed at the saved
 * main script, which gets the missing module-scope names prepended); and reports twice
 * the real CPU count so the pool can have one thread per core. Everything is restored
 * afterwards, and the pool's workers are unref'd so that Node can exit. If anything
 * fails, the caller falls back to the single-threaded binary.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../core/atomic';

const MAIN_MARKER = 'var WasmBackendModuleThreadedSimd';
const WORKER_IMPORT = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}';

function cacheDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = path.join(os.tmpdir(), `backsplit-tfjs-wasm-threads-${tf.version_core}-${uid}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Write atomically so that parallel processes never read a half-written script. */
function writeOnce(file: string, text: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    // not there yet
  }
  writeFileAtomic(file, text);
}

/**
 * Emscripten `ref()`s the worker of every running pthread, so XNNPACK's pool threads
 * (alive for the process's lifetime) would keep Node from exiting after the last task.
 * All compute is driven synchronously from the main thread, so the workers need not hold
 * the event loop open.
 */
function unrefWasmWorkers(): void {
  if (tf.getBackend() !== 'wasm') return;
  const module = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers: Array<{ unref(): void }>; unusedWorkers: Array<{ unref(): void }> } } }).wasm;
  const pt = module && module.PThread;
  if (!pt) return;
  for (const w of [...pt.runningWorkers, ...pt.unusedWorkers]) w.unref();
}

/**
 * Run `init` (which must call `tf.setBackend('wasm')`) with the Node shims that let the
 * threaded wasm binary start `threads` XNNPACK threads. Restores every patched global.
 * @param threads requested XNNPACK thread count (>= 2 to be useful).
 */
export async function withWasmThreads<T>(threads: number, init: () => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wasmModule = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const dir = cacheDir();
  const mainFile = path.join(dir, 'wasm-threaded-main.js');
  const texts = new WeakMap<object, string>();
  const g = globalThis as unknown as { Blob: typeof Blob };
  const RealBlob = g.Blob;
  const realCreate = URL.createObjectURL;
  // The real module object (not a TS import namespace copy): Emscripten reads cpus() from it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeOs = require('os') as { cpus: typeof os.cpus };
  const realCpus = nodeOs.cpus;
  class RecordingBlob extends RealBlob {
    // Plain types, not the DOM lib's BlobPart/BlobPropertyBag: tslab compiles without the DOM lib.
    constructor(parts?: unknown[], options?: Record<string, unknown>) {
      super(parts as never, options as never);
      if (parts && parts.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        if (text.startsWith(MAIN_MARKER)) {
          const prelude =
            'var require$$0=require("fs"),require$$1=require("path"),require$$3=require("perf_hooks"),require$$4=require("os");' +
            `var __dirname=${JSON.stringify(dir)},__filename=${JSON.stringify(mainFile)},_scriptDir=__filename,commonjsGlobal=globalThis;\n`;
          writeOnce(mainFile, prelude + text);
        }
      }
    }
  }
  let workerCount = 0;
  const mappedCreate = (obj: object): string => {
    const text = texts.get(obj as object);
    if (text === undefined) return realCreate.call(URL, obj as Blob);
    if (!text.includes(WORKER_IMPORT)) {
      throw new Error(`withWasmThreads: unexpected worker script from tfjs-backend-wasm ${tf.version_core} (pthread import hook not found)`);
    }
    const file = path.join(dir, 'wasm-threaded-worker.js');
    writeOnce(file, text.replace(WORKER_IMPORT, `if(true){importScripts(${JSON.stringify(mainFile)})}`));
    workerCount++;
    return file;
  };
  try {
    g.Blob = RecordingBlob as unknown as typeof Blob;
    URL.createObjectURL = mappedCreate as typeof URL.createObjectURL;
    nodeOs.cpus = () => {
      const c = realCpus.call(nodeOs);
      return c.concat(c);
    };
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasmModule.setThreadsCount(threads);
    const result = await init();
    unrefWasmWorkers();
    return result;
  } finally {
    g.Blob = RealBlob;
    URL.createObjectURL = realCreate;
    nodeOs.cpus = realCpus;
    if (workerCount === 0) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
}
