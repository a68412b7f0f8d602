// Self-describing traces: `run --trace` writes a header (what ran) and a footer (hashes, counts),
// and `faultline replay trace.jsonl` checks the file against its footer and runs it again.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../support/cli.ts';

const INDEX = fileURLToPath(new URL('../../sim/index.ts', import.meta.url));
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-replay-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (file: string): Record<string, unknown>[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const trace = join(dir, 'rs.jsonl');

describe('trace files', () => {
  it('start with a header saying what ran and end with a footer holding the trace hash and counts', async () => {
    const r = await cli(['run', 'retry-storm', '--seed', '1', '--variant', 'backoff-jitter', '--param', 'durationMs=8000', '--trace', trace, '--json']);
    expect(r.stderr).toBe(`wrote trace: ${trace}\n`);
    const result = JSON.parse(r.stdout) as { traceHash: string; faults: unknown[]; params: Record<string, unknown> };
    const all = lines(trace);
    const header = all[0]!;
    const footer = all.at(-1)!;
    expect(header).toMatchObject({ kind: 'trace-header', format: 1, scenario: 'retry-storm', variant: 'backoff-jitter', seed: 1, level: 'full' });
    expect(header.params).toEqual(result.params);
    expect(header.plan).toEqual(result.faults);
    expect(all[1]).toMatchObject({ time: 0, kind: 'run-start' });
    const records = all.slice(1, -1);
    const byKind: Record<string, number> = {};
    for (const x of records) byKind[x.kind as string] = (byKind[x.kind as string] ?? 0) + 1;
    // at level full the file holds every record, so its records hash to the run's trace hash
    expect(footer).toMatchObject({ kind: 'trace-footer', traceHash: result.traceHash, recordsHash: result.traceHash, records: records.length, byKind });
  });

  it('faultline replay accepts the file run --trace wrote', async () => {
    const r = await cli(['replay', trace]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/replayed: the file and a new run agree/);
    expect(r.code).toBe(0);
  });

  it('rejects a file whose middle record had a value edited: exit 1, naming the record', async () => {
    const text = readFileSync(trace, 'utf8').split('\n');
    const middle = Math.floor(text.length / 2);
    const i = text.findIndex((l, n) => n >= middle && l.includes('"kind":"message-deliver"'));
    text[i] = text[i]!.replace(/"sentUs":\d+/, '"sentUs":1');
    const edited = join(dir, 'edited.jsonl');
    writeFileSync(edited, text.join('\n'));
    const r = await cli(['replay', edited]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/the file was edited after it was written/);
    // line i + 1 holds record #(i - 1): the header is line 1
    expect(r.stdout).toContain(`first divergence: record #${i - 1}, line ${i + 1},`);
    expect(r.stdout).toMatch(/file: {4}\{.*"sentUs":1\}/);
    const json = JSON.parse((await cli(['replay', edited, '--json'])).stdout) as { agree: boolean; file: { intact: boolean }; firstDivergence: { index: number } };
    expect([json.agree, json.file.intact, json.firstDivergence.index]).toEqual([false, false, i - 1]);
  });

  it('a line that does not parse is an input error naming the line (exit 2)', async () => {
    const text = readFileSync(trace, 'utf8').split('\n');
    text[41] = '{"time": 5, "kind": ';
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, text.join('\n'));
    const r = await cli(['replay', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^faultline: replay \S+bad\.jsonl line 42: not valid JSON \(.*\)\n$/);
    expect((await cli(['replay', join(dir, 'missing.jsonl')])).code).toBe(2);
  });

  it("replays a user's scenario file from anywhere: the header names it by its absolute path", async () => {
    const file = join(dir, 'coin.ts');
    writeFileSync(
      file,
      `import { defineScenario } from ${JSON.stringify(INDEX)};
export default defineScenario({
  name: 'coin', title: 'coin', description: 'coins', params: {}, variants: { a: {} },
  build({ sim, random, requests }) {
    const r = random.get('coin');
    for (let i = 0; i < 50; i++) sim.schedule(i * 1000, () => requests.record(sim.now, r.next() < 0.9, 1000), null);
  },
  checks: [],
});
`,
    );
    const t = join(dir, 'coin.jsonl');
    expect((await cli(['run', file, '--seed', '3', '--trace', t])).code).toBe(0);
    expect(lines(t)[0]).toMatchObject({ scenarioFile: file });
    expect((await cli(['replay', t])).code).toBe(0);
  });
});
