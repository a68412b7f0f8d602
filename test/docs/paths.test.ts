// The documentation speaks to users of this repository: every file it names exists here, and it
// cites no internal issue numbers. Checked: links, and paths in inline code (`sim/kernel/sim.ts`,
// `docs/FAULTS.md`, a bare source name such as `fold-lanes.ts`), in README.md and docs/*.md.
// Command examples in fenced blocks name the user's own files (plan.json, out/report.html) and
// are left to the README tests.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Folders that are not the repository's files: installed, built or written by commands. */
const NOT_SOURCES = new Set(['node_modules', 'dist', 'out', '.git']);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(root, dir))) {
    if (NOT_SOURCES.has(name)) continue;
    const p = dir ? `${dir}/${name}` : name;
    if (statSync(join(root, p)).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const sources = walk('');
const basenames = new Set(sources.map((p) => basename(p)));
const topLevel = new Set(readdirSync(root).filter((n) => !NOT_SOURCES.has(n) && statSync(join(root, n)).isDirectory()));
const DOCS = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/**
 * Not yet true, and owned elsewhere: each entry is `file: mention`, to be removed when fixed (the
 * last test fails when an entry is no longer needed, so the list only shrinks).
 */
const PENDING = new Set(['docs/PERFORMANCE.md: ../shared/reference-kernel/']);

/** The mentions of files in one document that do not exist, as `file: mention`. */
function missingFiles(doc: string, whole = readFileSync(join(root, doc), 'utf8')): string[] {
  const text = whole.replace(/^```[\s\S]*?^```/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!.replace(/#.*$/, '');
    if (target === '' || /^[a-z][a-z+.-]*:/i.test(target)) continue;
    if (!existsSync(join(root, dirname(doc), target))) out.push(`${doc}: ${m[1]}`);
  }
  for (const m of text.matchAll(/`([^`\s]+)`/g)) {
    const p = m[1]!.replace(/:\d+(:\d+)?$/, '').replace(/\/$/, '');
    if (/^[a-z][a-z+.-]*:/i.test(p) || /["'<>*{}$|=()]/.test(p)) continue;
    if (p.startsWith('../') || p.startsWith('./')) {
      if (!existsSync(join(root, p)) || relative(root, join(root, p)).startsWith('..')) out.push(`${doc}: ${m[1]}`);
      continue;
    }
    const first = p.split('/')[0]!;
    if (p.includes('/')) {
      // what `faultline init` writes into the user's project is a template here
      if (topLevel.has(first) && !existsSync(join(root, p)) && !existsSync(join(root, 'templates/init', `${p}.tmpl`))) out.push(`${doc}: ${m[1]}`);
    } else if (/^[\w.-]+\.(md|ts|mts|mjs)$/.test(p) && !/^\.[a-z.]+$/.test(p) && !basenames.has(p)) {
      out.push(`${doc}: ${m[1]}`);
    }
  }
  return out;
}

/** Internal issue and pull-request numbers: "issue 12", "issue-5", "#24". */
function issueNumbers(doc: string, text = readFileSync(join(root, doc), 'utf8')): string[] {
  return [...text.matchAll(/\bissues?[ -]#?\d+|(?<![\w&/])#\d{1,4}\b/gi)].map((m) => `${doc}: ${m[0]}`);
}

describe('documentation', () => {
  it('the scan sees the documents and the sources (it would pass vacuously otherwise)', () => {
    expect(DOCS.length).toBeGreaterThanOrEqual(8);
    expect(basenames.has('sim.ts') && topLevel.has('sim')).toBe(true);
    const sample = 'See `sim/kernel/sim.ts`, `sim/kernel/nope.ts`, `DESIGN.md`, `fold-lanes.ts`, [faults](FAULTS.md), [x](gone.md), `../shared/x.md`, `faultline/world`.\n```sh\nrun plan.json\n```\n';
    expect(missingFiles('docs/SAMPLE.md', sample)).toEqual(['docs/SAMPLE.md: gone.md', 'docs/SAMPLE.md: sim/kernel/nope.ts', 'docs/SAMPLE.md: DESIGN.md', 'docs/SAMPLE.md: ../shared/x.md']);
    expect(issueNumbers('docs/SAMPLE.md', 'Fixed in issue 12 (#24); see issue-5, not C# 1 or &#160;.')).toEqual(['docs/SAMPLE.md: issue 12', 'docs/SAMPLE.md: #24', 'docs/SAMPLE.md: issue-5']);
  });

  for (const doc of DOCS) {
    it(`${doc} names only files that exist in the repository`, () => {
      expect(missingFiles(doc).filter((m) => !PENDING.has(m))).toEqual([]);
    });
    it(`${doc} cites no internal issue numbers`, () => {
      expect(issueNumbers(doc).filter((m) => !PENDING.has(m))).toEqual([]);
    });
  }

  it('every pending entry is still needed (the list only shrinks)', () => {
    const found = new Set(DOCS.flatMap((d) => [...missingFiles(d), ...issueNumbers(d)]));
    expect([...PENDING].filter((p) => !found.has(p))).toEqual([]);
  });
});
