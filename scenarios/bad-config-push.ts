/**
 * A bad config pushed to every server at once takes the whole service down; pushed to one canary
 * first, with automatic rollback on an unhealthy canary, it costs a sliver of one server.
 * The world's `config-push` fault is the push (and its rollback); the deployment controller that
 * gates the waves on the canary's health is modelled in this file.
 */
import { defineScenario } from 'faultline';
import { errorOutcome, okOutcome } from 'faultline/patterns';
import type { Node } from 'faultline/world';
import { checkWindowedSlo } from 'faultline/check';

const API = Array.from({ length: 10 }, (_, i) => `api-${i + 1}`);
const CANARY = API[0]!;
const PUSH_AT_US = 5_000_000;
const BAD = { version: 'v2-bad', effect: 'crash' } as const;
/** The feature flag the dark-launched change hides behind (rollout `flag`). */
const FLAG = 'v2-config';
/** Mean CPU time per request (the servers' exponential service time). */
const SERVICE_MEAN_US = 2_000;
/** Distinct users (request keys) when the change hides behind a flag. */
const USERS = 100_000;
/** Behind a flag, a bad change may fail at most this share of requests (one server's share of ten). */
const FLAG_REQUESTS_MAX = 1 / API.length;

export default defineScenario({
  name: 'bad-config-push',
  title: 'Bad config push: global vs canary with automatic rollback',
  description: `
**What happens.** Ten API servers sit behind a client-side round-robin balancer. At 5 s an
operator pushes config \`v2-bad\`, which the server binary cannot load: every process that loads
it crashes, and its supervisor restarts it into the same crash (CrashLoopBackOff). A human
rolls it back after \`rollbackAfterMs\` (20 s here, hours in real incidents).

**Why it is an outage.** A global push gives every server the bad config within seconds, so
there is no healthy capacity left to absorb the failure: the service is down until a human
notices and rolls back, and the servers then crawl back through their crash-loop backoff.
This is the shape of many of the largest public outages: Google's 2019-06-02 network
configuration change, Cloudflare's 2019-07-02 WAF rule pushed globally in seconds, and the SRE
book's observation that most outages come from changes.

**What fixes it.** Stage the rollout: push to one canary, bake it while watching its health
(crashes, restarts, rejected work: what Argo Rollouts or Flagger analyses do), and roll back
automatically when the canary is unhealthy; only a healthy canary is promoted to the other
servers. The bad config then reaches one server of ten, for under a second, and the balancer's
other nine servers carry the load. A good config (\`--param configEffect=none\`) is promoted
normally after the bake time.

**Or ship it dark, behind a feature flag** (variant \`flag-rollout\`). The new code path is in
the binary already, off; the change is a flag flip (the fault plan's \`feature-flag\` entry, as a
LaunchDarkly or Unleash change is), and the flip is a percentage rollout: 5 % of users, by a sticky
bucket of their key. Where the new path throws, it fails only the requests that take it (no
process crashes: the handler catches it), so the service degrades by 5 % instead of going down, and
pulling the kill switch (the plan's second entry, when the human reacts) ends it at once, with no
crash loop to climb out of. Flipped for everyone (\`--param flagRolloutPercent=100\`) the same
flag is a global push again.

**Watch in the table.** \`serversHit\` (servers that loaded the bad config),
\`rollbackAfterMs\` (automatic or human) and the worst second's availability.

References: Google SRE book, ch. 8 "Release Engineering" and ch. 1 ("roughly 70% of outages
are due to changes in a live system"), https://sre.google/sre-book/release-engineering/ ;
Google Cloud, "Google Cloud Networking Incident #19009" (2019-06-02),
https://status.cloud.google.com/incident/cloud-networking/19009 ; Cloudflare, "Details of the
Cloudflare outage on July 2, 2019", https://blog.cloudflare.com/details-of-the-cloudflare-outage-on-july-2-2019/
`.trim(),
  params: {
    rollout: {
      type: 'enum',
      default: 'global',
      values: ['global', 'canary', 'flag'],
      description: 'push to every server at once, to one canary first with automatic rollback, or ship the change dark and turn it on with a feature flag',
    },
    flagRolloutPercent: { type: 'number', default: 5, min: 0, max: 100, unit: '%', description: 'rollout flag: the share of users (by a sticky bucket of their key) whose requests take the new code path' },
    configEffect: { type: 'enum', default: 'crash', values: ['crash', 'reject', 'limp', 'none'], description: 'what loading the new config does (none: a good config)' },
    bakeTimeMs: { type: 'number', default: 5000, min: 100, max: 3_600_000, unit: 'ms', description: 'how long the canary must stay healthy before promotion' },
    healthCheckIntervalMs: { type: 'number', default: 250, min: 10, max: 60_000, unit: 'ms', description: 'how often the controller looks at the canary' },
    rollbackAfterMs: { type: 'number', default: 20_000, min: 1000, max: 3_600_000, unit: 'ms', description: 'when a human rolls the push back (the fault’s `for`)' },
    requestRatePerSec: { type: 'number', default: 200, min: 1, max: 100_000, unit: '1/s', description: 'client requests per second (Poisson)' },
    durationMs: { type: 'number', default: 40_000, min: 10_000, max: 3_600_000, unit: 'ms', description: 'run length' },
  },
  variants: {
    'global-push': {
      description: 'the config reaches all ten servers at once; a human rolls back after 20 s',
      params: { rollout: 'global' },
      expectFail: ['no-global-outage', 'bad-config-contained'],
    },
    'canary-auto-rollback': {
      description: 'one canary first; the controller rolls back on the first sign of trouble and never promotes',
      params: { rollout: 'canary' },
    },
    'flag-rollout': {
      description: 'the change ships dark; the plan turns its feature flag on for 5 % of users, and its kill switch off when the human reacts (a failing new path fails its requests, not the process)',
      params: { rollout: 'flag', configEffect: 'reject' },
    },
  },
  // The operator's push: to every server, or to the canary only (the controller promotes it);
  // or the flag flip, and its kill switch when the human reacts.
  faults: (p) =>
    p.rollout === 'flag'
      ? [
          { at: `${PUSH_AT_US}us`, kind: 'feature-flag', flag: FLAG, rolloutPercent: p.flagRolloutPercent },
          { at: `${PUSH_AT_US + p.rollbackAfterMs * 1000}us`, kind: 'feature-flag', flag: FLAG, killed: true },
        ]
      : [
    {
      at: `${PUSH_AT_US}us`,
      kind: 'config-push',
      target: p.rollout === 'global' ? '*' : CANARY,
      version: BAD.version,
      effect: p.configEffect,
      factor: 20,
      for: `${p.rollbackAfterMs}ms`,
    },
  ],
  faultKinds: ['config-push', 'crash'],
  keyMetrics: ['availability', 'worstSecondAvailability', 'serversHit', 'rollbackAfterMs', 'promoted'],
  build({ sim, params: p, requests, emit, world, service, client, openLoop, every, featureFlags }) {
    const note = (text: string): void => emit({ time: sim.now, kind: 'note', node: 'deployer', text });
    // components: ten API servers (restarted by a supervisor, with backoff) and the deployer
    const w = world({
      nodes: ['client', 'deployer'],
      nodeDefaults: { cores: 2, restartDelay: '1s', serviceTime: { dist: 'exponential', mean: '2ms' } },
      network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.3 } },
    });
    // Behind a flag, the new code path runs for the requests whose user is in the rollout: it fails
    // them ('reject': the handler catches the exception and answers 500), or serves 20× slower
    // ('limp'), or takes the process down ('crash': an uncaught error on the request's thread).
    const flags = p.rollout === 'flag' ? featureFlags({ node: 'deployer', flags: { [FLAG]: { rolloutPercent: 0 } } }) : null;
    const tookNewPath = { requests: 0, whileOn: 0 };
    const api = service('api', {
      nodes: API,
      endpoints: {
        get:
          flags === null
            ? {}
            : {
                // the node's service time first, then the path the flag picks
                handler: (h, done) => {
                  const f = flags.state(FLAG)!;
                  if (f.enabled && !f.killed && f.rolloutPercent > 0) tookNewPath.whileOn++;
                  const on = flags.isEnabled(FLAG, h.ctx.key);
                  if (!on) return done(okOutcome(0));
                  tookNewPath.requests++;
                  if (p.configEffect === 'reject') return done(errorOutcome('error', 0));
                  if (p.configEffect === 'crash') return h.node.crash(`${FLAG} code path`, 'process'); // an uncaught error
                  if (p.configEffect === 'limp') return h.work((err) => done(err === null ? okOutcome(0) : errorOutcome(err, 0)), 19 * SERVICE_MEAN_US);
                  done(okOutcome(0));
                },
              },
      },
    });

    // wiring: with a canary rollout the deployment controller watches the canary and rolls back
    const hit = new Set<string>();
    let rollbackAtUs = -1;
    let promoted = 0;
    const sawBad = (n: Node): boolean => n.config.version === BAD.version;
    const canary = w.node(CANARY);
    let baseline = { crashes: 0, rejected: 0 };
    let pushedAtUs = -1;
    const controller = (): void => {
      if (rollbackAtUs >= 0 || promoted > 0) return;
      if (pushedAtUs < 0 && sawBad(canary)) {
        pushedAtUs = sim.now;
        baseline = { crashes: canary.crashes, rejected: canary.rejected };
        note(`canary ${CANARY} runs ${BAD.version}; baking ${p.bakeTimeMs} ms`);
      }
      if (pushedAtUs < 0) return;
      if (!canary.serving || canary.crashes > baseline.crashes || canary.rejected > baseline.rejected || canary.slowdown > 2) {
        rollbackAtUs = sim.now;
        canary.rollbackConfig();
        note(`canary unhealthy (${canary.state}): automatic rollback, rollout halted`);
      } else if (sim.now - pushedAtUs >= p.bakeTimeMs * 1000) {
        // promotion: the same push, to the other servers, through the world's config-push fault
        promoted = API.length - 1;
        w.inject({ at: sim.now, kind: 'config-push', target: '*', version: BAD.version, effect: p.configEffect, factor: 20 });
        note(`canary healthy for ${p.bakeTimeMs} ms: promoted to all servers`);
      }
    };
    every(`${p.healthCheckIntervalMs}ms`, () => {
      for (const name of API) if (sawBad(w.node(name))) hit.add(name);
      if (p.rollout === 'canary') controller();
    });

    // workload: steady client traffic, round robin over the ten servers
    // (behind a flag, each request carries its user's key: the flag's targeting key)
    openLoop({ rate: p.requestRatePerSec, until: `${p.durationMs}ms`, call: client(api, 'get', { timeout: '500ms' }), ...(flags !== null ? { keys: USERS } : {}) });

    return {
      metrics: () => {
        const windows = checkWindowedSlo(requests, { availabilityMin: 0.8, requestsMin: 20 }).windows.filter((x) => x.pass !== null);
        const humanRollbackUs = PUSH_AT_US + p.rollbackAfterMs * 1000;
        return {
          ...(flags !== null ? { newPathRequestShare: Math.round((tookNewPath.requests / Math.max(1, tookNewPath.whileOn)) * 1e4) / 1e4 } : {}),
          serversHit: hit.size,
          rollbackAfterMs: flags !== null ? p.rollbackAfterMs : hit.size === 0 ? 0 : Math.round(((rollbackAtUs >= 0 ? rollbackAtUs : humanRollbackUs) - PUSH_AT_US) / 1000),
          promoted,
          worstSecondAvailability: Math.min(1, ...windows.map((x) => Math.round(x.availability * 1e4) / 1e4)),
        };
      },
    };
  },
  checks: [
    {
      name: 'no-global-outage',
      description: 'every 1-second window serves at least 80% of requests',
      check: ({ requests }) => {
        const r = checkWindowedSlo(requests, { availabilityMin: 0.8, requestsMin: 20 });
        return { status: r.status, detail: r.detail, firstFailedAtMs: r.firstFailedAtMs };
      },
    },
    {
      name: 'bad-config-contained',
      description: 'a config that breaks servers reaches at most one server (the canary); behind a flag, at most one request in ten',
      check: ({ metrics, params }) => {
        const n = metrics.serversHit as number;
        if (params.configEffect === 'none') return { status: 'ok', detail: `a good config: ${n} server(s) run it` };
        if (params.rollout === 'flag') {
          // behind a flag every server has the new code: what must stay small is the traffic it sees
          const share = metrics.newPathRequestShare as number;
          const ok = share <= FLAG_REQUESTS_MAX;
          return { status: ok ? 'ok' : 'fail', detail: `${(share * 100).toFixed(1)}% of requests took the flagged path while it was on (at most ${FLAG_REQUESTS_MAX * 100}%, one server's share)`, firstFailedAtMs: ok ? null : PUSH_AT_US / 1000 };
        }
        return { status: n <= 1 ? 'ok' : 'fail', detail: `${n} of ${API.length} servers loaded ${BAD.version}`, firstFailedAtMs: n <= 1 ? null : PUSH_AT_US / 1000 };
      },
    },
  ],
});
