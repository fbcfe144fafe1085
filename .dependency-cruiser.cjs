/**
 * Import rules that `npm test` enforces (npm run imports:check). Boundaries from the design: botbuilder stays in
 * src/bot (so the Agents SDK could replace that folder alone), dialogs are pure (nothing from src/, no I/O), no cycles
 * between modules, and none between folders (checked with .dependency-cruiser-folders.cjs).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules must not import each other in a cycle; when two sides must talk, one owns a small port interface.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'botbuilder-only-in-src-bot',
      severity: 'error',
      comment: 'botbuilder and botframework-* are used only in src/bot/ (the rest of the app sees ports and plain data).',
      from: { path: '^(src|dialogs)/', pathNot: '^src/bot/' },
      to: { path: '(^|/)node_modules/(botbuilder|botframework-)[^/]*/' },
    },
    {
      name: 'dialogs-import-nothing-from-src',
      severity: 'error',
      comment: 'Machines are pure: dialogs/ imports nothing from src/.',
      from: { path: '^dialogs/' },
      to: { path: '^src/' },
    },
    {
      name: 'dialogs-have-no-io',
      severity: 'error',
      comment: 'Machines never touch the network, storage, the file system or processes: only xstate and each other.',
      from: { path: '^dialogs/' },
      to: {
        dependencyTypesNot: ['local', 'type-only'],
        pathNot: '(^|/)node_modules/xstate/',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dialogs/.*\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
