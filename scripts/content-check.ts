/**
 * npm run content:check [content dir] — runs the content check (src/content/check-content.ts) on the content folder.
 * Prints one line per fault as `file: field: problem` and exits 1 when there is any; otherwise, per runbook, how many
 * checks an employee does and how many are left to IT.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkContent as checkWith, type CheckReport } from '../src/content/check-content.js';
import { projectRoot } from '../src/project-root.js';
import { contentCheckDeps } from '../src/understanding/content-check-deps.js';
import { loadErrorCatalog } from '../src/understanding/error-catalog.js';

export type { CheckReport, Fault } from '../src/content/check-content.js';

/** The content check against the catalog in the same content folder. */
export function checkContent(contentDir: string): CheckReport {
  return checkWith(contentDir, contentCheckDeps(loadErrorCatalog(join(contentDir, 'catalog'))));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const contentDir = process.argv[2] ?? join(projectRoot(), 'content');
  const report = checkContent(contentDir);
  for (const f of report.faults) process.stderr.write(`${f.file}: ${f.field}: ${f.problem}\n`);
  if (report.faults.length > 0) {
    process.stderr.write(`content:check: ${report.faults.length} fault(s)\n`);
    process.exit(1);
  }
  for (const a of report.audiences) {
    process.stdout.write(`  ${a.id.padEnd(28)} employee does ${a.employee} of ${a.employee + a.it} checks; ${a.it} left to IT\n`);
  }
  process.stdout.write(
    `content:check: ${report.runbooks} runbooks valid; ${report.states} machine states walked, every path ends in resolved or escalated, no path asks an IT check\n`,
  );
}
