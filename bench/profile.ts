// Reads the V8 CPU profile(s) `node --cpu-prof` wrote and says where the server's time went:
// by area (Berth's code, each dependency, Node internals, GC), the hottest functions by self
// time, and Berth's own functions by inclusive time (everything they called).
import fs from 'node:fs';
import path from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Which package or part of the runtime a script URL belongs to. */
function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/dist/')) return 'berth';
  return url;
}

const where = (f: Node['callFrame']) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*?(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`;

function table(title: string, totals: Map<string, number>, all: number, top: number): string {
  const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [title, ...rows.map(([k, us]) => `  ${((us / all) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`)].join('\n');
}

export function summarizeProfile(dir: string): string {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return `No CPU profile in ${dir}`;
  const byArea = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const inclusiveBerth = new Map<string, number>();
  let busy = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

  for (const file of files) {
    const p: Profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    p.samples.forEach((id, i) => {
      const us = p.timeDeltas[i] ?? 0;
      const f = byId.get(id)!.callFrame;
      if (f.functionName === '(idle)') return;
      busy += us;
      add(byArea, area(f.url, f.functionName), us);
      add(selfByFn, where(f), us);
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const cf = byId.get(at)!.callFrame;
        if (area(cf.url, cf.functionName) !== 'berth') continue;
        const k = where(cf);
        if (!seen.has(k)) add(inclusiveBerth, k, us), seen.add(k);
      }
    });
  }
  return [
    `CPU profile (${files.join(', ')}): ${(busy / 1000).toFixed(0)} ms busy, idle excluded`,
    table('By area (self time):', byArea, busy, 15),
    table('Hottest functions (self time):', selfByFn, busy, 25),
    table("Berth's functions (inclusive time):", inclusiveBerth, busy, 20),
  ].join('\n\n');
}
