/**
 * The layers of `lib/`, checked by `npm test` (`npm run -s layers`): a folder imports only folders of lower layers,
 * so data flows one way (README, "Layout"). Lowest first; folders of one layer do not import each other.
 */
const LAYERS = [
  ['util', 'git'], // helpers over Node and the git binary
  ['spec', 'cdk8s'], // the model; the fence around cdk8s' internals
  ['kube'], // Kubernetes objects as plain data, shared by every layer above
  ['workload'], // the base feature: an app's Microservice and its pod
  ['rollout', 'logging'], // features built on the workload
  ['observability'], // the feature that also decorates the log collector
  ['features'], // the one list of features
  ['validate'], // schemas and the registered rules
  ['render'], // compose the features, emit, check, write
  ['verify', 'workflows'], // metric verification; the GitHub Actions workflows
  ['promote'], // promotion: gates and versions files
  ['release'], // release orders, records, audit
  ['github', 'argocd'], // outside systems
  ['bootstrap', 'bench'], // the cluster bootstrap; the benchmark
  ['site'], // the fleet page
  ['cli'], // argument parsing and wiring
];

const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));
const below = (folder) => LAYERS.slice(0, layerOf.get(folder)).flat();

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'Modules import each other in a cycle: move what both need one layer down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unknown-folder',
      comment: 'A new folder of lib/ needs a place in the layers of .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^lib/', pathNot: `^lib/(${[...layerOf.keys()].join('|')})/` },
      to: {},
    },
    ...[...layerOf.keys()].map((folder) => ({
      name: `layer-${folder}`,
      comment: `lib/${folder}/ imports only lower layers: ${below(folder).join(', ') || 'none'}.`,
      severity: 'error',
      from: { path: `^lib/${folder}/` },
      to: { path: '^lib/', pathNot: `^lib/(${[folder, ...below(folder)].join('|')})/` },
    })),
    {
      name: 'no-constructs-in-history-readers',
      comment: 'git/, release/ and promote/ read git and manifests; they never build constructs themselves.',
      severity: 'error',
      from: { path: '^lib/(git|release|promote)/' },
      to: { path: 'node_modules/(cdk8s|cdk8s-plus-27|constructs)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.mjs', '.js', '.d.ts'],
    },
  },
};
