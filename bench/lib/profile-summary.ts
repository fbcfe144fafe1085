import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a V8 .cpuprofile the summary reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

function readProfile(file: string): CpuProfile {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${file}: not a CPU profile`);
  const nodes: unknown = Reflect.get(parsed, 'nodes');
  const samples: unknown = Reflect.get(parsed, 'samples');
  const timeDeltas: unknown = Reflect.get(parsed, 'timeDeltas');
  if (!Array.isArray(nodes) || !Array.isArray(samples) || !Array.isArray(timeDeltas)) throw new Error(`${file}: not a CPU profile`);
  return { nodes, samples, timeDeltas } as CpuProfile;
}

export interface Hotspot {
  name: string;
  percent: number;
}

export interface ProfileSummary {
  /** CPU time sampled in the window, in ms (idle excluded). */
  busyMs: number;
  byPackage: Hotspot[];
  byFunction: Hotspot[];
}

/**
 * The bundle (dist/server.cjs) marks where each original module starts with a comment naming it
 * (`// node_modules/kysely/…` or `// dist/src/bot/…`); a frame's line in the bundle tells its module.
 */
class BundleMap {
  private readonly starts: Array<{ line: number; path: string }> = [];
  constructor(file: string) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, line) => {
        // A worktree whose node_modules is a link to another checkout's shows `// ../main/node_modules/…`.
        const match = /^\/\/ ((?:(?:\.\.\/[^/\s]+\/)?node_modules|dist)\/\S+)$/.exec(text);
        if (match?.[1]) this.starts.push({ line, path: match[1] });
      });
  }

  moduleAt(line: number): string | undefined {
    let low = 0;
    let high = this.starts.length - 1;
    let found: string | undefined;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const start = this.starts[mid];
      if (!start) break;
      if (start.line <= line) {
        found = start.path;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }
}

const bundleMaps = new Map<string, BundleMap>();

/** The original file of a frame: through the bundle's module comments when the frame is in a bundle. */
function originalPath(url: string, lineNumber: number, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  if (!path.endsWith('server.cjs') || !path.startsWith(join(root, 'dist'))) return path;
  let map = bundleMaps.get(path);
  if (!map) {
    map = new BundleMap(path);
    bundleMaps.set(path, map);
  }
  const inner = map.moduleAt(lineNumber);
  return inner ? join(root, inner) : path;
}

/** Where a frame's code lives: an npm package, one of our folders, node itself, or V8 (GC, native calls). */
function placeOf(path: string, root: string, functionName: string): { place: string; file: string } {
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length);
    const parts = rest.split('/');
    const pkg = rest.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? rest);
    return { place: pkg, file: rest };
  }
  if (path.startsWith(root)) {
    const rel = path.slice(root.length + 1);
    const parts = rel.split('/');
    // dist/src/bot/x.js → src/bot; src/bot/x.ts → src/bot
    const start = parts[0] === 'dist' ? 1 : 0;
    return { place: parts.slice(start, start + 2).join('/'), file: rel };
  }
  if (path.startsWith('node:')) return { place: 'node (built-in modules)', file: path };
  return { place: functionName === '(garbage collector)' ? '(garbage collector)' : `V8/native: ${functionName}`, file: '' };
}

/**
 * Self time per package and per file:function in a CPU profile, skipping the first `skipMs` (start-up and warm-up)
 * so the figures describe the load itself.
 */
export function summariseProfile(file: string, root: string, skipMs: number, top = 15): ProfileSummary {
  const profile = readProfile(file);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfById = new Map<number, number>();
  let elapsed = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    elapsed += delta;
    if (elapsed < skipMs * 1000) continue;
    const id = profile.samples[i] ?? -1;
    selfById.set(id, (selfById.get(id) ?? 0) + delta);
  }
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of selfById) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    busy += micros;
    const { place, file: where } = placeOf(originalPath(frame.url, frame.lineNumber, root), root, frame.functionName);
    byPackage.set(place, (byPackage.get(place) ?? 0) + micros);
    const name = where ? `${where}:${frame.functionName || '(anonymous)'}` : place;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  }
  const ranked = (m: Map<string, number>): Hotspot[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, percent: busy === 0 ? 0 : (100 * micros) / busy }));
  return { busyMs: busy / 1000, byPackage: ranked(byPackage), byFunction: ranked(byFunction) };
}
