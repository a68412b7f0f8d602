/**
 * Race and deadlock: bank transfers between accounts, four ways. A read-modify-write without
 * compare-and-swap loses updates when two transfers overlap; taking the accounts' locks in the
 * order a request names them deadlocks when two transfers go opposite ways; lock ordering and
 * optimistic concurrency (a conditional commit, retried) fix one each.
 *
 *   client-1 ─┐                 ┌─ locks: one mutex per account, in the bank's process
 *   client-2 ─┼── transfer ──► bank (workers) ── get / commit ──► db (balances, versions)
 *   client-N ─┘
 *
 * The db records every read and every applied write with its transaction, so the lost-update
 * check judges the history by the definition (Berenson et al., P4); the liveness check reads the
 * bank's lock table (who waits for whom) at the end of the run.
 */
import { defineScenario, type Metrics } from 'faultline';
import { lockFailure, lockSession, type Handling } from 'faultline/app';
import { checkNoLostUpdates, checkNoStuckWaiters, RegisterHistory } from 'faultline/check';
import { errorOutcome, newCallContext, okOutcome, type Done, type Outcome } from 'faultline/patterns';

/** A transfer's body, and the db's. */
type Transfer = { from: string; to: string; amount: number };
type Get = { txn: string; key: string };
type Commit = { txn: string; transfer: Transfer; writes: { key: string; balance: number; expect?: number }[] };
type Row = { balance: number; version: number };

const INITIAL_BALANCE = 1_000;
/** Attempts of an optimistic transfer before it gives up (a bound on everything). */
const CAS_ATTEMPTS_MAX = 20;

const histories = new WeakMap<Metrics, RegisterHistory>();

export default defineScenario({
  name: 'race-and-deadlock',
  title: 'Race and deadlock: lost updates and lock-order deadlocks that need two overlapping requests',
  description: `
**What happens.** Clients move money between accounts through a bank service, which reads the
balances from a database, computes, and writes them back. With one client (the default: a
developer testing alone) every design is correct. With two or more whose transfers overlap:
- *read-modify-write*: two transfers read the same balance, each writes its own result, and the
  later write erases the earlier one: a **lost update** (money appears or disappears).
- *locks in request order*: the bank locks the account it debits, then the one it credits, as
  the request names them. A transfer from a to b and one from b to a each hold one lock and
  wait forever for the other: a **deadlock**. The bank's threads stay stuck after the clients
  have given up; new transfers queue behind the held locks until the workers run out.
- *lock ordering*: the same locks, always taken in one global order (by account name), so no
  cycle of waits can form.
- *optimistic concurrency*: no locks; the commit names the version each balance was read at and
  the database applies it only if none changed (compare-and-swap, as etcd's transactions or
  DynamoDB's condition expressions); on a conflict the transfer reads again and retries after a
  random backoff.

**Why it matters.** These bugs "only show up under load": a test with one client never overlaps
two requests. \`faultline check\` finds them by searching the concurrency too:
\`--search-params clients,transfers\` varies the number of clients and transfers within their
declared ranges and shrinks a failing run toward the defaults, which ends at the smallest case
that still fails: two clients, one transfer each, overlapping.

**What to look at.** The check rows: \`no-lost-updates\` names who read which version, who wrote in
between and who overwrote it; \`no-stuck-workers\` names the wait-for cycle. Metrics: lost updates,
the balance error (how far the balances are from what the applied transfers add up to), lock waits
(the longest queue on a lock: a *lock convoy* forms when transfers arrive faster than a lock's hold
time lets them through; raise \`clients\` and \`workMs\`), conflicts and retries of the optimistic
design.

**What to try.** \`faultline run race-and-deadlock --variant racy --param clients=2\` and
\`--variant deadlock --param clients=2\`; \`faultline check race-and-deadlock --variant racy
--search-params clients,transfers\`; \`--param accounts=3 --param clients=3\` for a deadlock of
three.

**Reference.** H. Berenson et al., "A Critique of ANSI SQL Isolation Levels", SIGMOD 1995 (P4,
lost update); B. Goetz et al., *Java Concurrency in Practice* (2006), §10.1.2 "Dynamic lock order
deadlocks" (the transferMoney example and its fix by ordering locks); E. G. Coffman et al.,
"System Deadlocks", Computing Surveys 3(2), 1971 (the four conditions; ordering breaks circular
wait).
`.trim(),
  params: {
    design: {
      type: 'enum',
      default: 'read-modify-write',
      values: ['read-modify-write', 'locks-in-request-order', 'lock-ordering', 'optimistic'],
      description: 'how a transfer updates the two balances',
    },
    clients: { type: 'number', default: 1, min: 1, max: 16, integer: true, description: 'clients, each making transfers one after the other, all starting within startJitterMs' },
    transfers: { type: 'number', default: 1, min: 1, max: 20, integer: true, description: 'transfers per client' },
    accounts: { type: 'number', default: 2, min: 2, max: 26, integer: true, description: 'accounts; client i starts with account i and moves money to the next' },
    thinkMs: { type: 'number', default: 100, min: 0, max: 10_000, unit: 'ms', description: 'think time between a client’s transfers' },
    startJitterMs: { type: 'number', default: 2, min: 0, max: 10_000, unit: 'ms', description: 'clients start at a uniform random time in [0, startJitterMs)' },
    workMs: { type: 'number', default: 2, min: 0, max: 1_000, unit: 'ms', description: 'the bank’s CPU work between reading and writing a balance' },
    workers: { type: 'number', default: 16, min: 1, max: 1_000, integer: true, description: 'bank worker threads' },
    timeoutMs: { type: 'number', default: 1_000, min: 1, max: 60_000, unit: 'ms', description: 'client timeout (and deadline) of a transfer' },
    durationMs: { type: 'number', default: 10_000, min: 100, max: 3_600_000, unit: 'ms', description: 'run length' },
    stuckAfterMs: { type: 'number', default: 2_000, min: 1, max: 3_600_000, unit: 'ms', description: 'check: a worker waiting this long for a lock is stuck' },
  },
  variants: {
    racy: { description: 'read both balances, compute, write both back: no locks, no compare-and-swap', params: { design: 'read-modify-write' } },
    optimistic: { description: 'commit only if both balances are still at the versions read; on a conflict read again and retry', params: { design: 'optimistic' } },
    deadlock: { description: 'lock the debited account, then the credited one, in the order the request names them', params: { design: 'locks-in-request-order' } },
    'lock-ordering': { description: 'the same locks, always taken in account-name order', params: { design: 'lock-ordering' } },
  },
  presets: {
    healthy: { description: 'one client: every design is correct', params: { clients: 1 } },
    overload: { description: 'eight clients making ten transfers each: races, deadlocks and lock convoys', params: { clients: 8, transfers: 10 } },
  },

  build(ctx) {
    const { sim, params: p, requests, random, world, service, client, metrics: registry } = ctx;
    const clients = Array.from({ length: p.clients }, (_, i) => `client-${i + 1}`);
    world({ nodes: [{ name: 'db', cores: 1 }, { name: 'bank', cores: 4 }, ...clients], network: { latency: '500us' } });
    const accounts = Array.from({ length: p.accounts }, (_, i) => `account-${String.fromCharCode(97 + i)}`);

    // ---- the database: balances with versions; every applied read and write is recorded ----
    const rows = new Map<string, Row>(accounts.map((a) => [a, { balance: INITIAL_BALANCE, version: 0 }]));
    const expected = new Map(accounts.map((a) => [a, INITIAL_BALANCE]));
    const history = new RegisterHistory(() => sim.now);
    histories.set(registry, history);
    let conflicts = 0;
    const db = service('db', {
      nodes: ['db'],
      endpoints: {
        get: {
          work: '100us',
          handler: (h: Handling<Get>, done) => {
            const row = rows.get(h.body.key)!;
            history.read(h.body.txn, h.body.key);
            done(okOutcome(0, { ...row }));
          },
        },
        // all or nothing; a write with `expect` applies only if the row is still at that version
        commit: {
          work: '100us',
          handler: (h: Handling<Commit>, done) => {
            const ws = h.body.writes;
            if (ws.some((w) => w.expect !== undefined && rows.get(w.key)!.version !== w.expect)) {
              conflicts++;
              done(errorOutcome('conflict', 0));
              return;
            }
            for (const w of ws) rows.set(w.key, { balance: w.balance, version: history.write(h.body.txn, w.key) });
            // what the balances should be: every applied transfer moved its amount
            const t = h.body.transfer;
            expected.set(t.from, expected.get(t.from)! - t.amount);
            expected.set(t.to, expected.get(t.to)! + t.amount);
            done(okOutcome(0));
          },
        },
      },
    });

    // ---- the bank: one transfer = read both balances, compute, write both ----
    const locks = ctx.lockTable({ name: 'accounts', node: 'bank' });
    const get = client(db, 'get', { timeout: '100ms' });
    const commit = client(db, 'commit', { timeout: '100ms' });
    const backoff = random.get('bank/backoff');
    let sessions = 0;
    let retries = 0;
    let applied = 0;

    /** Read from and to, work, commit (conditional when `cas`); `then(outcome)`. */
    const readModifyWrite = (h: Handling<Transfer>, txn: string, cas: boolean, then: Done): void => {
      const { from, to, amount } = h.body;
      h.call(get, (a) => {
        if (!a.ok) return then(a);
        h.call(get, (b) => {
          if (!b.ok) return then(b);
          h.work(() => {
            const [ra, rb] = [a.value as Row, b.value as Row];
            const writes = [
              { key: from, balance: ra.balance - amount, ...(cas ? { expect: ra.version } : {}) },
              { key: to, balance: rb.balance + amount, ...(cas ? { expect: rb.version } : {}) },
            ];
            h.call(commit, (c) => {
              if (c.ok) applied++;
              then(c);
            }, { txn, transfer: h.body, writes } satisfies Commit);
          }, p.workMs * 1000);
        }, { txn, key: to } satisfies Get);
      }, { txn, key: from } satisfies Get);
    };

    const transfer = (h: Handling<Transfer>, done: Done): void => {
      const { from, to } = h.body;
      if (p.design === 'read-modify-write') return readModifyWrite(h, `bank/transfer#${++sessions}`, false, done);
      if (p.design === 'optimistic') {
        const txn = `bank/transfer#${++sessions}`;
        const attempt = (n: number): void =>
          readModifyWrite(h, txn, true, (o: Outcome) => {
            if (o.ok || o.error !== 'conflict' || n >= CAS_ATTEMPTS_MAX || h.ctx.expired) return done(o);
            retries++;
            // full-jitter backoff before reading again (base 1 ms, doubling)
            sim.schedule(backoff.uniform(0, 1000 * 2 ** Math.min(n, 8)), () => attempt(n + 1), null);
          });
        return attempt(1);
      }
      sessions++;
      const held = lockSession(locks, h);
      const answer = held.done(done);
      const order = p.design === 'lock-ordering' ? [from, to].sort() : [from, to];
      // the first lock, some work (reading the debited balance), then the second lock
      held.lock(order[0]!, (e1) =>
        e1 !== null ? answer(lockFailure(e1)) : h.work(() => held.lock(order[1]!, (e2) => (e2 !== null ? answer(lockFailure(e2)) : readModifyWrite(h, held.owner, false, answer))), p.workMs * 1000),
      );
    };
    const bank = service('bank', { nodes: ['bank'], workers: p.workers, endpoints: { transfer: { work: '0ms', handler: transfer } } });

    // ---- workload: each client makes its transfers one after the other ----
    const send = client(bank, 'transfer', { timeout: `${p.timeoutMs}ms` });
    const untilUs = p.durationMs * 1000;
    clients.forEach((name, i) => {
      const rng = random.get(`client/${name}`);
      const at = send.at(name);
      let made = 0;
      const next = (): void => {
        if (made >= p.transfers || sim.now >= untilUs) return;
        const j = made++;
        const from = accounts[(i + j) % accounts.length]!;
        const to = accounts[(i + j + 1) % accounts.length]!;
        const c = newCallContext(sim, { key: name, deadlineUs: sim.now + p.timeoutMs * 1000 });
        const start = sim.now;
        at.request(c, { from, to, amount: 1 } satisfies Transfer, (o) => {
          requests.record(sim.now, o.ok, sim.now - start, o.error, name);
          sim.schedule(p.thinkMs * 1000, next, null);
        });
      };
      sim.schedule(rng.uniform(0, p.startJitterMs * 1000), next, null);
    });

    return {
      untilUs,
      metrics: () => {
        const error = accounts.reduce((s, a) => s + Math.abs(rows.get(a)!.balance - expected.get(a)!), 0);
        const l = locks.stats();
        return {
          transfersApplied: applied,
          lostUpdates: checkNoLostUpdates(history).lost.length,
          balanceError: error,
          conflicts,
          retries,
          lockWaitMsP99: l.waitMsP99,
          lockWaitMsMax: l.waitMsMax,
          lockQueueMax: l.queueMax,
          lockTimeouts: l.timeouts,
          workersBusyAtEnd: bank.workersBusy('bank'),
        };
      },
    };
  },

  faults: [],
  faultKinds: ['crash', 'link-loss'],

  checks: [
    {
      name: 'no-lost-updates',
      description: 'no transfer wrote a balance from a stale read, erasing another transfer’s update (P4)',
      check: ({ registry }) => {
        const h = histories.get(registry);
        return h ? checkNoLostUpdates(h) : { status: 'unknown', detail: 'no history was recorded' };
      },
    },
    {
      name: 'no-stuck-workers',
      description: 'no bank worker waits stuckAfterMs or more for a lock; a stuck one is reported with its wait-for cycle',
      check: (c) => checkNoStuckWaiters(c, { bound: c.params.stuckAfterMs * 1000 }),
    },
  ],
  keyMetrics: ['transfersApplied', 'lostUpdates', 'balanceError', 'lockWaitMsMax', 'retries', 'availability'],
});
