// The README must work word for word: its example scenario runs as shown.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('shows examples/checkout.ts and its property test verbatim; a copy runs with --all-variants as its variants expect', () => {
    const example = readFileSync(join(root, 'examples/checkout.ts'), 'utf8');
    expect(readme).toContain('```ts\n// examples/checkout.ts\n' + example + '```');
    expect(readme).toContain('```ts\n// examples/checkout.test.ts\n' + readFileSync(join(root, 'examples/checkout.test.ts'), 'utf8') + '```');
    const dir = mkdtempSync(join(tmpdir(), 'faultline-readme-'));
    writeFileSync(join(dir, 'checkout.ts'), example);
    const r = spawnSync(process.execPath, [join(root, 'bin/faultline.mjs'), 'run', './checkout.ts', '--all-variants', '--json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const results = JSON.parse(r.stdout) as { variant: string; checks: { name: string; status: string; expected: string }[] }[];
    expect(results.map((x) => [x.variant, x.checks[0]!.status])).toEqual([
      ['resilient', 'ok'],
      ['naive', 'fail'],
    ]);
    // the output the README prints after the command is what the command prints (each line of it)
    const shown = /```sh\nnpx faultline run examples\/checkout\.ts --all-variants\n```\n\n```\n([^`]*)```/.exec(readme);
    expect(shown, 'README shows the output of the checkout run').not.toBeNull();
    const text = spawnSync(process.execPath, [join(root, 'bin/faultline.mjs'), 'run', './checkout.ts', '--all-variants'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(text.status).toBe(0);
    const printed = text.stdout.split('\n');
    for (const line of shown![1]!.split('\n').filter((l) => l.trim() !== '')) expect(printed).toContain(line);
  });

  it('the checkout example is at most 30 lines of at most 100 characters (blank lines and comments aside)', () => {
    const lines = readFileSync(join(root, 'examples/checkout.ts'), 'utf8').split('\n');
    const code = lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('//'));
    expect(code.length).toBeLessThanOrEqual(30);
    expect(lines.filter((l) => l.length > 100)).toEqual([]);
    const test = readFileSync(join(root, 'examples/checkout.test.ts'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(test.length).toBeLessThanOrEqual(10);
  });

  it('documents the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toMatch(/^npm test\b/m);
  });

  it('shows the property-test example that the suite runs (test/readme/split-brain.property.test.ts), verbatim', () => {
    const example = readFileSync(join(root, 'test/readme/split-brain.property.test.ts'), 'utf8');
    expect(readme).toContain(example);
  });
});
