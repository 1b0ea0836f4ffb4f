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
// tslab 1.0.22 starts handling each shell message as it arrives, without awaiting the one before:
// after Run All every queued execute_request publishes "busy" at once and each publishes "idle" when
// it ends, so the notebook's kernel indicator showed idle (after the first cell's "idle") while later
// cells were still queued or running. Handle shell messages one after another, as IPython does: a
// message's "busy" then comes when its turn starts and its "idle" when it ends. The control socket
// (tslab routes it through the same method) is left as it was. Run All after an error keeps tslab's
// rule: requests already queued are answered "abort" without running (they reach tslab's execute
// queue, still holding the failure, in the same turn of the event loop as the failed cell's reply).
const jupyter = require(path.join(root, 'node_modules', 'tslab', 'dist', 'jupyter.js'));
const handleShellMessage = jupyter.ZmqServer.prototype.handleShellMessage;
if (typeof handleShellMessage !== 'function') {
  throw new Error('launch.js: tslab no longer has ZmqServer.handleShellMessage; the shell-serialising patch needs updating');
}
const shellChains = new WeakMap();
jupyter.ZmqServer.prototype.handleShellMessage = function serialisedShellMessage(sock, ...frames) {
  if (sock !== this.shell) return handleShellMessage.call(this, sock, ...frames);
  const previous = shellChains.get(this) || Promise.resolve();
  const handled = previous.then(() => handleShellMessage.call(this, sock, ...frames)).catch(record('shell message'));
  shellChains.set(this, handled);
  return handled;
};
// tslab publishes "busy" and then compiles the cell synchronously (TypeScript, seconds for a cell
// that imports the library): zeromq sends from the event loop, so the "busy" waited behind the
// compile and the indicator showed the previous cell's "idle" meanwhile (13 s in notebook 07).
// Let the status go out before an execute request starts: wait for the iopub socket's queued sends,
// then one turn of the event loop. (Requests queued behind a failed cell then take a turn each
// before tslab aborts them; tslab lifts its abort 200 ms after the failure, far more than a
// notebook's queue needs: test/notebook/kernel-queue.test.ts aborts 40.)
const handleExecute = jupyter.ZmqServer.prototype.handleExecute;
if (typeof handleExecute !== 'function') {
  throw new Error('launch.js: tslab no longer has ZmqServer.handleExecute; the status-flushing patch needs updating');
}
jupyter.ZmqServer.prototype.handleExecute = async function executeAfterStatus(sock, msg) {
  await sendChains.get(this.iopub);
  await new Promise((resolve) => setImmediate(resolve));
  return handleExecute.call(this, sock, msg);
};
const { startKernel } = require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js'));
startKernel({ configPath: path.resolve(connectionFile), enableFindLocal: false });
