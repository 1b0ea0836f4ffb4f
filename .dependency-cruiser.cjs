// dependency-cruiser: the layer order of lib/ (docs/architecture.md), enforced.
// A folder may import only folders in lower layers (and itself); no cycles; the
// library never imports tests, scripts or benchmarks. `npm run lint:layers` runs it.
'use strict';

/** Bottom to top. Folders in one layer may not import each other. */
const LAYERS = [
  ['core'],
  ['io', 'backend'],
  ['labels', 'eval', 'model'],
  ['data', 'fisher', 'plot'],
  ['train'],
  ['run'],
  ['study'],
  ['cli'],
  ['notebook'],
];

const ALL = LAYERS.flat();

function layerRules() {
  const rules = [];
  LAYERS.forEach((layer, i) => {
    for (const folder of layer) {
      const allowed = [folder, ...LAYERS.slice(0, i).flat()];
      const forbidden = ALL.filter((f) => !allowed.includes(f));
      if (forbidden.length === 0) continue;
      rules.push({
        name: `layer-${folder}`,
        comment: `lib/${folder} may import only lib/{${allowed.join(',')}} (docs/architecture.md)`,
        severity: 'error',
        from: { path: `^lib/${folder}/` },
        to: { path: `^lib/(${forbidden.join('|')})/` },
      });
    }
  });
  return rules;
}

module.exports = {
  forbidden: [
    ...layerRules(),
    {
      name: 'no-circular',
      comment: 'modules must not import each other in a cycle',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'lib-not-to-outside',
      comment: 'the library must not import tests, scripts or benchmarks',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(test|data-scripts|bench|notebooks)/' },
    },
    {
      name: 'no-unknown-lib-folder',
      comment: 'every lib/ folder must have a place in the layer order (add it to LAYERS and docs/architecture.md)',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^lib/', pathNot: `^lib/(${ALL.join('|')})/` },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that cannot be resolved',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|build|runs|report)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
