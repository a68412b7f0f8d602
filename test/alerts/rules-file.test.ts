import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-rules-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('faultline run --rules FILE', () => {
  it('a rule with an unknown function exits 2 naming the group, the rule, the field and the function', async () => {
    const p = file('unknown.yaml', 'groups:\n  - name: web\n    rules:\n      - alert: HighErrors\n        expr: sum(rat(faultline_requests_total[1m])) > 1\n');
    const r = await cli(['run', 'mmc-queue', '--rules', p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/group "web" rule "HighErrors" \(groups\[0\]\.rules\[0\]\): expr: column 5: unknown function "rat"; did you mean "rate"\?/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a rule without expr exits 2 naming it', async () => {
    const p = file('missing.json', JSON.stringify({ groups: [{ name: 'web', rules: [{ alert: 'Ok', expr: 'up > 0' }, { alert: 'NoExpr', for: '1m' }] }] }));
    const r = await cli(['run', 'mmc-queue', '--rules', p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/group "web" rule "NoExpr" \(groups\[0\]\.rules\[1\]\): missing expr/);
  });

  it('bad durations, unknown fields and runbooks bound to no rule exit 2 naming the field', async () => {
    const cases: [string, RegExp][] = [
      ['groups:\n  - name: g\n    rules:\n      - { alert: A, expr: "up > 0", for: 5x }\n', /rule "A" .*for: bad duration "5x"/],
      ['groups:\n  - name: g\n    rules:\n      - { alert: A, expr: "up > 0", fro: 5m }\n', /rule "A" .*unknown field "fro"; did you mean "for"\?/],
      ['groups:\n  - name: g\n    rules:\n      - { alert: A, expr: "up > 0" }\nrunbooks:\n  - { name: rb, alert: B, action: restart, target: api }\n', /runbook "rb" .*alert: no rule is named "B"/],
      ['groups:\n  - name: g\n    rules:\n      - { record: x, expr: "up" }\n', /recording rules are not supported/],
      ['groups: [\n', /is not valid YAML or JSON/],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      const r = await cli(['run', 'mmc-queue', '--rules', file(`case${i}.yaml`, text)]);
      expect(r.code, text).toBe(2);
      expect(r.stderr, text).toMatch(re);
    }
  });

  it('a valid file runs, and its replay line carries --rules', async () => {
    const p = file('ok.yaml', 'groups:\n  - name: g\n    rules:\n      - alert: Errors\n        expr: sum(rate(faultline_requests_total{outcome=\"error\"}[5s])) > 1\n        labels: { severity: ticket }\n');
    const r = await cli(['run', 'test/alerts/fixture.ts', '--rules', p, '--json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as { replay: string; metrics: Record<string, unknown> };
    expect(res.replay).toContain(`--rules ${p}`);
    // the bad config reaches api-1 at 8 s: errors from then on, first evaluated at 9 s
    expect(res.metrics.timeToDetectMs).toBeGreaterThanOrEqual(1000);
    expect(res.metrics.timeToDetectMs).toBeLessThanOrEqual(2000);
    expect(res.metrics.falseAlerts).toBe(0);
    // a trace file written with --rules carries them in its header: replay runs them again
    const trace = join(dir, 'ok.jsonl');
    expect((await cli(['run', 'test/alerts/fixture.ts', '--rules', p, '--trace', trace])).code).toBe(0);
    const again = await cli(['replay', trace]);
    expect(again.stdout).toContain('replayed: the file and a new run agree');
    expect(again.code).toBe(0);
  });
});

describe('on-call and runbooks from a file', () => {
  const rules = `groups:
  - name: shop
    rules:
      - alert: HighErrorRate
        expr: sum(rate(faultline_requests_total{outcome="error"}[1m])) / sum(rate(faultline_requests_total[1m])) > 0.05
        for: 30s
        labels: { severity: page }
oncall:
  rotation: [carol, dave]
  ack_delay: 45s
  diagnosis_time: 1m
  escalate_after: 2m
  no_answer: 1
runbooks:
  - { name: rollback, alert: HighErrorRate, action: rollback-config, target: cart, duration: 20s }
`;

  it('replaces the scenario\'s rules, rotation and runbooks: the primary never answers, dave acknowledges after the escalation', async () => {
    const r = await cli(['run', 'on-call', '--rules', file('oncall.yaml', rules), '--json', '--trace', join(dir, 'oncall.jsonl')]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as { metrics: Record<string, number> };
    expect(res.metrics.escalations).toBe(1);
    expect(res.metrics.runbookActions).toBe(1);
    // detection + 2 min escalation timeout + 45 s acknowledgement (constant delays)
    expect(res.metrics.timeToAcknowledgeMs! - res.metrics.timeToDetectMs!).toBe(165_000);
    const { readFileSync } = await import('node:fs');
    const kinds = readFileSync(join(dir, 'oncall.jsonl'), 'utf8').split('\n').filter((l) => /"kind":"(page|page-ack|page-escalated|runbook-end)"/.test(l)).map((l) => JSON.parse(l) as { kind: string; to?: string; by?: string });
    expect(kinds.map((k) => `${k.kind}:${k.to ?? k.by ?? ''}`)).toEqual(['page:carol', 'page-escalated:dave', 'page:dave', 'page-ack:dave', 'runbook-end:dave']);
  });

  it('a runbook the model cannot carry out exits 2 naming it', async () => {
    const bad = [
      [rules.replace('target: cart', 'target: carts'), /runbook "rollback": target "carts" is no service or node/],
      [rules.replace('action: rollback-config', 'action: failover'), /runbook "rollback": action failover depends on the model; say how in build with runbookAction\("failover"/],
      [rules.replace('action: rollback-config', 'action: rollback'), /runbook "rollback" \(runbooks\[0\]\): action: "rollback" is not an action; did you mean "rollback-config"\?/],
    ] as const;
    for (const [i, [text, re]] of bad.entries()) {
      const r = await cli(['run', 'on-call', '--rules', file(`bad-rb-${i}.yaml`, text)]);
      expect(r.code, text).toBe(2);
      expect(r.stderr, text).toMatch(re);
    }
  });
});
