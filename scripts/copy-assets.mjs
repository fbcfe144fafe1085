// After `tsc -p tsconfig.build.json`: copy the non-TypeScript files the server reads next to its modules
// (the Web Chat page script, the embed script, the agent console) into dist/, keeping their paths.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
for (const dir of ['src', 'dialogs']) {
  for (const file of readdirSync(join(root, dir), { recursive: true }).map(String)) {
    if (/\.(html|css|js)$/.test(file) && !file.endsWith('.d.ts')) {
      const from = join(root, dir, file);
      const to = join(root, 'dist', dir, file);
      cpSync(from, to, { recursive: false });
      process.stdout.write(`copied ${join(dir, file)} → ${join('dist', dir, file)}\n`);
    }
  }
}
