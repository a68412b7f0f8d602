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
  it('the "Your own scenario" example runs with --all-variants and behaves as its variants expect', () => {
    const block = /```ts\n\/\/ my-service\.ts\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README has the my-service.ts example').not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'faultline-readme-'));
    writeFileSync(join(dir, 'my-service.ts'), block![1]!);
    const r = spawnSync(process.execPath, [join(root, 'bin/faultline.mjs'), 'run', './my-service.ts', '--all-variants', '--json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const results = JSON.parse(r.stdout) as { variant: string; checks: { name: string; status: string; expected: string }[] }[];
    expect(results.map((x) => [x.variant, x.checks[0]!.status])).toEqual([
      ['baseline', 'ok'],
      ['flaky', 'fail'],
    ]);
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
