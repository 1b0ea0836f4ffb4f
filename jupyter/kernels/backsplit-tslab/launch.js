#!/usr/bin/env node
// Project-local tslab kernel launcher (used by Jupyter through JUPYTER_PATH and by
// the headless runner). tslab resolves `import ... from './lib/...'` against its
// working directory, so the kernel runs from the project root whatever folder
// the notebook lives in.
'use strict';
const path = require('path');
const root = path.resolve(__dirname, '..', '..', '..');
const connectionFile = process.argv[2];
if (!connectionFile) {
  process.stderr.write('usage: launch.js <connection-file>\n');
  process.exit(2);
}
process.chdir(root);
// Errors that escape a cell (un-awaited rejections, throws in timers) are only
// logged by tslab. Record them so the runner can fail the cell that caused them.
globalThis.__backsplitAsyncErrors = [];
const record = (kind) => (err) => {
  const text = err && err.stack ? String(err.stack) : String(err);
  globalThis.__backsplitAsyncErrors.push(`${kind}: ${text}`);
};
process.on('unhandledRejection', record('UnhandledPromiseRejection'));
process.on('uncaughtException', record('UncaughtException'));
const { startKernel } = require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js'));
startKernel({ configPath: path.resolve(connectionFile), enableFindLocal: false });
