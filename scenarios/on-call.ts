/**
 * A bad deploy, detected by alert rules and a synthetic probe, paged to a human who rolls it back
 * by the runbook: time to detect, to acknowledge and to recover, compared across alerting designs.
 * The rules, the on-call rotation and the runbook are the scenario's `alerting` (the shape of a
 * `--rules` file); the shop and its probe are built below.
 */
import { defineScenario } from 'faultline';

const DEPLOY_AT = '62s';

export default defineScenario({
  name: 'on-call',
  title: 'On-call: a bad deploy, an alert, a page and a rollback',
  description: `
**What happens.** A shop (\`web\` in front of \`auth\`, \`search\`, \`cart\` and \`card\`, the card
payments service) serves four kinds of requests. At 62 s a deploy gives both \`cart\` servers a
config that makes them refuse every request, and nothing undoes it by itself. Two alert rules
watch the shop: the error ratio over the last minute (\`HighErrorRate\`, from the request
counters) and a synthetic probe that runs the checkout flow (login → search → add to cart →
pay) every 30 s from two probe locations (\`CheckoutProbeFailing\`). A firing alert pages the
on-call engineer, who acknowledges (about a minute), diagnoses (about two) and runs the runbook:
roll back the \`cart\` config, which takes 30 s.

**What the variants compare.** \`paged-rollback\` is the design above. \`slow-for\` waits four
minutes of \`for\` before either rule fires, as rules tuned against flapping often do: every
minute of it is a minute of outage. \`probe-only\` has no error-rate rule: the probe alone still
catches a broken checkout, a little later. \`auto-rollback\` binds the runbook to automation:
the rollback starts the moment the alert fires, without waiting for a human (the human is
still paged). In \`wrong-service\` the engineer, in a hurry, restarts \`card\` instead of rolling
back \`cart\`: payments go down too (the blast radius is in the trace), the alerts keep firing,
and only a second diagnosis finds the real fix.

**Watch in the table.** \`timeToDetectMs\` (deploy → first firing alert), \`timeToAcknowledgeMs\`,
\`timeToRecoverMs\` (deploy → the SLO holds again), \`falseAlerts\`, and the report's alerts lane:
pending and firing alerts, pages, acknowledgements, runbook actions and probe results.

References: Google SRE book, ch. 6 "Monitoring Distributed Systems" (alert on symptoms, not
causes; every page actionable), https://sre.google/sre-book/monitoring-distributed-systems/ ;
ch. 11 "Being On-Call", https://sre.google/sre-book/being-on-call/ ; ch. 12 "Effective
Troubleshooting", https://sre.google/sre-book/effective-troubleshooting/ ; ch. 14 "Managing
Incidents", https://sre.google/sre-book/managing-incidents/ ; The Site Reliability Workbook,
ch. 5 "Alerting on SLOs" (detection time against precision),
https://sre.google/workbook/alerting-on-slos/ ; Prometheus documentation, "Alerting rules" (\`for\`,
\`keep_firing_for\`), https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/ .
`.trim(),
  params: {
    forMs: { type: 'number', default: 60_000, min: 0, max: 3_600_000, unit: 'ms', description: 'how long each rule must hold before it fires (its for)' },
    errorRateAlert: { type: 'boolean', default: true, description: 'alert on the error ratio of the request counters' },
    probeAlert: { type: 'boolean', default: true, description: 'alert on the synthetic checkout probe' },
    autoRollback: { type: 'boolean', default: false, description: 'automation runs the rollback the moment an alert fires' },
    mistake: { type: 'enum', default: 'none', values: ['none', 'wrong-service'], description: 'the engineer restarts a similarly named service first' },
    noAnswerPercent: { type: 'number', default: 10, min: 0, max: 100, unit: '%', description: 'chance the primary does not answer the page (it escalates after 5 minutes)' },
    requestRatePerSec: { type: 'number', default: 10, min: 1, max: 10_000, unit: '1/s', description: 'user requests per second, all kinds together' },
    durationMs: { type: 'number', default: 1_500_000, min: 300_000, max: 86_400_000, unit: 'ms', description: 'run length' },
  },
  variants: {
    'paged-rollback': {
      description: 'error-rate and probe alerts page a human, who rolls the deploy back',
      expectFail: ['recovers-without-waiting-for-a-human'],
    },
    'slow-for': {
      description: 'both rules wait 4 minutes (for: 4m) before firing',
      params: { forMs: 240_000 },
      expectFail: ['detected-within-2m', 'recovers-without-waiting-for-a-human'],
    },
    'probe-only': {
      description: 'no error-rate rule: only the failing checkout probe alerts',
      params: { errorRateAlert: false },
      expectFail: ['recovers-without-waiting-for-a-human'],
    },
    'auto-rollback': {
      description: 'automation rolls back as soon as an alert fires, no human in the loop',
      params: { autoRollback: true },
    },
    'wrong-service': {
      description: 'the engineer first restarts card (a similar name) instead of rolling back cart',
      params: { mistake: 'wrong-service' },
      expectFail: ['recovers-without-waiting-for-a-human', 'no-collateral-damage'],
    },
  },
  // the deploy: a config both cart servers refuse to serve with, until someone rolls it back
  faults: [
    { at: DEPLOY_AT, kind: 'config-push', target: 'cart-1', version: 'v2-bad', effect: 'reject' },
    { at: DEPLOY_AT, kind: 'config-push', target: 'cart-2', version: 'v2-bad', effect: 'reject' },
  ],
  faultKinds: ['config-push', 'crash', 'limp'],
  seriesWindowMs: 10_000,
  keyMetrics: ['timeToDetectMs', 'timeToAcknowledgeMs', 'timeToRecoverMs', 'falseAlerts', 'pages', 'mistakenActions', 'availability'],
  alerting: (p) => {
    const forText = `${Math.round(p.forMs / 1000)}s`;
    const rules = [
      ...(p.errorRateAlert
        ? [
            {
              alert: 'HighErrorRate',
              expr: 'sum(rate(faultline_requests_total{outcome="error"}[1m])) / sum(rate(faultline_requests_total[1m])) > 0.05',
              for: forText,
              labels: { severity: 'page' },
              annotations: { summary: '{{ humanizePercentage $value }} of requests fail' },
            },
          ]
        : []),
      ...(p.probeAlert
        ? [
            {
              alert: 'CheckoutProbeFailing',
              expr: 'avg by (flow) (avg_over_time(faultline_probe_success{flow="checkout"}[1m])) < 0.5',
              for: p.forMs === 60_000 ? '30s' : forText,
              labels: { severity: 'page' },
              annotations: { summary: 'the checkout probe succeeds {{ humanizePercentage $value }} of the time' },
            },
          ]
        : []),
    ];
    const alerts = rules.map((r) => r.alert);
    return {
      scrape_interval: '5s',
      evaluation_interval: '5s',
      groups: [{ name: 'shop', rules }],
      oncall: {
        rotation: ['alice', 'bob'],
        ack_delay: { dist: 'lognormal', median: '1m', sigma: 0.4 },
        diagnosis_time: { dist: 'lognormal', median: '2m', sigma: 0.4 },
        escalate_after: '5m',
        no_answer: p.noAnswerPercent / 100,
      },
      runbooks: [
        {
          name: 'rollback-cart',
          alert: alerts,
          action: 'rollback-config',
          target: 'cart',
          duration: '30s',
          auto: p.autoRollback,
          ...(p.mistake === 'wrong-service' ? { mistake: 'wrong-target', mistake_action: 'restart' } : {}),
        },
      ],
      slo: { availability_min: 0.99, requests_min: 20 },
    };
  },
  build({ params: p, world, service, client, openLoop, probe }) {
    // components: the shop's services; the users' and the probes' nodes are added as they call
    world({ nodeDefaults: { cores: 4, restartDelay: '20s', serviceTime: { dist: 'exponential', mean: '2ms' } }, network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.3 } } });
    const auth = service('auth', { nodes: ['auth-1'], endpoints: { login: {} } });
    const search = service('search', { nodes: ['search-1', 'search-2'], endpoints: { query: {} } });
    const cart = service('cart', { nodes: ['cart-1', 'cart-2'], endpoints: { add: {} } });
    const card = service('card', { nodes: ['card-1', 'card-2'], endpoints: { charge: {} } });
    const call = { timeout: '1s' };
    const web = service('web', {
      nodes: ['web-1', 'web-2'],
      endpoints: {
        login: { calls: [client(auth, 'login', call)] },
        search: { calls: [client(search, 'query', call)] },
        add: { calls: [client(cart, 'add', call)] },
        pay: { calls: [client(card, 'charge', call)] },
      },
    });
    // workload: users browse, sign in, fill carts and pay
    const until = `${p.durationMs}ms`;
    const r = p.requestRatePerSec;
    const mix = [['browse', 'search', 0.5], ['login', 'login', 0.1], ['cart', 'add', 0.3], ['pay', 'pay', 0.1]] as const;
    for (const [name, endpoint, share] of mix) openLoop({ name, rate: r * share, until, deadline: '3s', call: client(web, endpoint, { timeout: '2s' }) });
    // the synthetic probe: the checkout flow from two places, every 30 s
    const checkout = probe({
      name: 'checkout',
      every: '30s',
      locations: ['probe-eu', 'probe-us'],
      until,
      steps: [
        { name: 'login', call: client(web, 'login', { timeout: '2s' }) },
        { name: 'search', call: client(web, 'search', { timeout: '2s' }) },
        { name: 'add-to-cart', call: client(web, 'add', { timeout: '2s' }) },
        { name: 'pay', call: client(web, 'pay', { timeout: '2s' }) },
      ],
    });
    return {
      metrics: () => {
        const s = checkout.stats();
        return { probeRuns: s.runs, probeFailures: s.runs - s.ok };
      },
    };
  },
  checks: [
    {
      name: 'detected-within-2m',
      description: 'an alert fires within 2 minutes of the deploy',
      check: ({ metrics }) => {
        const t = metrics.timeToDetectMs as number | null;
        return { status: t !== null && t <= 120_000 ? 'ok' : 'fail', detail: t === null ? 'no alert fired' : `first alert fired ${t / 1000} s after the deploy` };
      },
    },
    {
      name: 'probe-saw-it',
      description: 'the synthetic checkout probe failed while the deploy was live',
      check: ({ metrics }) => ({ status: (metrics.probeFailures as number) > 0 ? 'ok' : 'fail', detail: `${metrics.probeFailures} of ${metrics.probeRuns} probe runs failed` }),
    },
    {
      name: 'recovered',
      description: 'the SLO (99 % per 10 s window) holds again before the run ends',
      check: ({ metrics }) => {
        const t = metrics.timeToRecoverMs as number | null;
        return { status: t !== null ? 'ok' : 'fail', detail: t === null ? 'still failing when the run ended' : `the SLO holds again ${t / 1000} s after the deploy` };
      },
    },
    {
      name: 'recovers-without-waiting-for-a-human',
      description: 'recovery comes at most 75 s after detection (no page, acknowledgement or diagnosis in between)',
      check: ({ metrics }) => {
        const d = metrics.timeToDetectMs as number | null;
        const r = metrics.timeToRecoverMs as number | null;
        if (d === null || r === null) return { status: 'fail', detail: 'not detected or not recovered' };
        return { status: r - d <= 75_000 ? 'ok' : 'fail', detail: `recovered ${(r - d) / 1000} s after detection` };
      },
    },
    {
      name: 'no-collateral-damage',
      description: 'no runbook action hit the wrong target',
      check: ({ metrics }) => ({ status: metrics.mistakenActions === 0 ? 'ok' : 'fail', detail: `${metrics.mistakenActions} mistaken runbook action(s)` }),
    },
    {
      name: 'no-false-alerts',
      description: 'every alert that fired is explained by the deploy',
      check: ({ metrics }) => ({ status: metrics.falseAlerts === 0 ? 'ok' : 'fail', detail: `${metrics.falseAlerts} false alert(s)` }),
    },
  ],
});
