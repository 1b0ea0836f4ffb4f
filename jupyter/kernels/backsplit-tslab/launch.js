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
// tslab 1.0.22 calls send() on its zeromq 6 sockets without awaiting it; zeromq 6 allows one send in
// flight per socket and throws EBUSY ("Socket is busy writing") at a second, which killed the kernel
// when a cell published several large displays back to back (notebook 03's three slice viewers in
// full mode). Chain each socket's sends so that one starts when the one before it has finished, in
// order; a failed send is recorded like any error outside a cell.
const zmq = require(path.join(root, 'node_modules', 'zeromq'));
const zmqSend = zmq.Socket.prototype.send;
const sendChains = new WeakMap();
// send is a read-only (but configurable) property of the native class: redefine it
Object.defineProperty(zmq.Socket.prototype, 'send', {
  configurable: true,
  writable: false,
  value: function serialisedSend(message) {
    const previous = sendChains.get(this);
    const start = () => zmqSend.call(this, message);
    const sent = previous ? previous.then(start) : start();
    sendChains.set(this, sent.catch(record('zeromq send')));
    return sent;
  },
});
const { startKernel } = require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js'));
startKernel({ configPath: path.resolve(connectionFile), enableFindLocal: false });
