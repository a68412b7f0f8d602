import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTempFileName, JsonlFileSink, removeStaleTempFiles, writeFileAtomic } from '../../sim/cli/files.ts';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'faultline-files-'));

/** A pid that surely does not run: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('atomic output files', () => {
  it('writeFileAtomic writes the whole file and leaves no temporary file', () => {
    const dir = fresh();
    writeFileAtomic(join(dir, 'a.json'), 'one');
    writeFileAtomic(join(dir, 'a.json'), 'two');
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('two writers of one target get distinct, exclusive temporary files in its directory', () => {
    const dir = fresh();
    const a = new JsonlFileSink(join(dir, 't.jsonl'));
    const b = new JsonlFileSink(join(dir, 't.jsonl'));
    const temps = readdirSync(dir).filter((n) => isTempFileName(n, 't.jsonl'));
    expect(temps).toHaveLength(2);
    expect(temps[0]).not.toBe(temps[1]);
    a.write({ time: 0, kind: 'run-start' } as never);
    b.write({ time: 1, kind: 'run-start' } as never);
    a.commit();
    b.commit();
    expect(readFileSync(join(dir, 't.jsonl'), 'utf8')).toBe('{"time":1,"kind":"run-start"}\n');
    expect(readdirSync(dir)).toEqual(['t.jsonl']);
  });

  it('abort removes the temporary file and leaves an existing target as it was', () => {
    const dir = fresh();
    writeFileSync(join(dir, 't.jsonl'), 'old');
    const s = new JsonlFileSink(join(dir, 't.jsonl'));
    s.write({ time: 0, kind: 'run-start' } as never);
    s.abort();
    expect(readdirSync(dir)).toEqual(['t.jsonl']);
    expect(readFileSync(join(dir, 't.jsonl'), 'utf8')).toBe('old');
  });

  it('stale temporary files of a process that is gone are removed; a live one and other files stay', () => {
    const dir = fresh();
    const stale = `.out.json.${deadPid()}.0123456789ab.tmp`;
    const live = `.out.json.${process.pid}.0123456789ab.tmp`;
    for (const n of [stale, live, '.other.json.1.0123456789ab.tmp', 'out.json.bak']) writeFileSync(join(dir, n), 'x');
    expect(removeStaleTempFiles(join(dir, 'out.json'))).toEqual([stale]);
    writeFileAtomic(join(dir, 'out.json'), '{}');
    expect(readdirSync(dir).sort()).toEqual([live, '.other.json.1.0123456789ab.tmp', 'out.json', 'out.json.bak'].sort());
  });

  it('a symlink that looks like a temporary file is not followed', () => {
    const dir = fresh();
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep');
    // a planted link with a dead pid is removed as stale (the link, never its target)
    const planted = `.out.json.${deadPid()}.0123456789ab.tmp`;
    symlinkSync(victim, join(dir, planted));
    writeFileAtomic(join(dir, 'out.json'), 'new');
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(existsSync(join(dir, planted))).toBe(false);
  });

  it('an unwritable target is a one-line input error naming the target, not the temporary file', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => writeFileAtomic(join(dir, 'file', 'out.json'), '{}')).toThrow(/^cannot write .*file\/out\.json: /);
    try {
      writeFileAtomic(join(dir, 'file', 'out.json'), '{}');
    } catch (err) {
      expect((err as Error).name).toBe('InputError');
      expect((err as Error).message).not.toMatch(/\.tmp/);
    }
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s while a trace file is open removes its temporary file and exits %i', async (signal, code) => {
    const dir = fresh();
    const files = new URL('../../sim/cli/files.ts', import.meta.url).href;
    const script = `import { JsonlFileSink } from ${JSON.stringify(files)};
      const s = new JsonlFileSink(${JSON.stringify(join(dir, 't.jsonl'))});
      s.write({ time: 0, kind: 'run-start' });
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    expect(readdirSync(dir).filter((n) => isTempFileName(n))).toHaveLength(1);
    child.kill(signal);
    const exit = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(exit).toBe(code);
    expect(readdirSync(dir)).toEqual([]);
  }, 20_000);
});
