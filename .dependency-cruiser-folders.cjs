/**
 * No cycle between folders (src/bot ↔ src/handoff/notifiers was one). The composition root (src/app.ts, which
 * registers every plugin, and src/server.ts) is left out: it depends on everything by design.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const base = require('./.dependency-cruiser.cjs');

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      severity: 'error',
      scope: 'folder',
      comment: 'Folders must not import each other in a cycle; the side that needs the other owns a port interface.',
      from: {},
      to: { circular: true },
    },
  ],
  options: { ...base.options, exclude: { path: ['^src/(app|server)\\.ts$'] } },
};
