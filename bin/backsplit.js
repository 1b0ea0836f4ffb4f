#!/usr/bin/env node
// Entry point of the `backsplit` CLI: compiles the TypeScript sources on the fly
// (ts-node, transpile-only, CommonJS) and hands over to lib/cli/main.ts.
'use strict';
const path = require('path');
require('ts-node').register({
  transpileOnly: true,
  project: path.join(__dirname, '..', 'tsconfig.json'),
  compilerOptions: { module: 'commonjs' },
});
const { main } = require('../lib/cli/main');
// Exit explicitly: a GPU adapter probed during backend selection (Dawn) or a
// browser used for PNG export can keep the event loop alive after the work is done.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`backsplit: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
