/**
 * The production database is deleted by mistake: nightly snapshots vs snapshots plus archived
 * log (point-in-time recovery) vs a delayed replica. How many acknowledged writes are lost
 * (rpoWrites) and how long until the data is served again (rtoMs).
 */
import { defineScenario } from 'faultline';
import type { Handling } from 'faultline/app';
import { kvHistory } from 'faultline/check';
import { errorOutcome, okOutcome } from 'faultline/patterns';
import { asyncReplicatedStore, backups, type RestorePlan } from 'faultline/world';

const H = 3_600_000_000;
/** The nightly snapshot runs at 02:00; the run starts at midnight. */
const SNAPSHOT_AT_H = 2;
/** 23:27, as at GitLab on 2017-01-31. */
const DELETE_AT_US = 23 * H + 27 * 60_000_000;
const END_US = DELETE_AT_US + 4 * H;

export default defineScenario({
  name: 'backup-restore',
  title: 'Backup and restore: the production database deleted by mistake',
  description: `
**What happened (GitLab.com, 31 January 2017).** Late in the evening an engineer fighting a
replication problem ran \`rm -rf\` on the PostgreSQL data directory, meaning to run it on the
secondary; it ran on the primary. Of about 310 GB, 4.5 GB were left when he stopped it. Of the
five backup and replication techniques in place none worked as intended: \`pg_dump\` backups had
been failing silently, disk snapshots were not enabled for the database servers, the replica was
the thing being rebuilt. An LVM snapshot taken six hours earlier, by chance, for staging, was
restored; copying it took most of 18 hours (slow disks), and six hours of data (projects, issues,
comments, users) were lost.

**In this model.** An application in \`us-east-1\` writes to its database (\`db-prod\`, 310 GB,
growing by 2 MB of log a second) six times a minute. At 23:27 the data directory of \`db-prod\` is
deleted (the \`data-delete\` fault, mode \`volume\`); the database fails every request from then on.
The on-call notices after \`detectionMs\` (2 min) and restores:

- \`nightly-snapshots\`: the snapshot taken at 02:00 (uploaded to another region). Restoring
  copies 310 GB at 125 MB/s: about 41 minutes. Everything written since 02:00 is lost.
- \`snapshots-and-wal\`: the same snapshot plus the write-ahead log archived to the other region
  every minute (\`archive_timeout\` 60 s): point-in-time recovery to just before the deletion.
  At most a minute of writes is lost (what had not been archived yet was on the deleted volume),
  but the day's log has to be replayed (about 155 GB at 50 MB/s: close to an hour more).
- \`delayed-replica\`: a replica in \`us-west-2\` that receives the log continuously and applies
  it an hour late (\`recovery_min_apply_delay = 1h\`). The on-call pauses its replay, replays up to
  the deletion (at most an hour of log, a couple of minutes) and promotes it. A delay also protects
  against a \`DROP TABLE\` (\`mode: "table"\`), which an ordinary replica would apply at once — as
  long as someone notices within the delay.

\`rpoWrites\` counts the acknowledged writes the restore does not bring back: those after the last
restorable point. \`rtoMs\` is the time from the deletion until the database takes writes again.
The checks ask for what a recovery plan typically promises: at most five minutes of writes lost,
back within an hour.

References: GitLab, "Postmortem of database outage of January 31"
(2017-02-10), https://about.gitlab.com/blog/2017/02/10/postmortem-of-database-outage-of-january-31/ ;
PostgreSQL documentation, "Continuous Archiving and Point-in-Time Recovery (PITR)",
https://www.postgresql.org/docs/current/continuous-archiving.html , and
\`recovery_min_apply_delay\`, https://www.postgresql.org/docs/current/runtime-config-replication.html
`.trim(),
  params: {
    design: { type: 'enum', values: ['nightly-snapshots', 'snapshots-and-wal', 'delayed-replica'], default: 'nightly-snapshots', description: 'what the restore starts from' },
    dataGb: { type: 'number', default: 310, min: 1, max: 100_000, unit: 'GB', description: 'database size at midnight' },
    walMbPerSec: { type: 'number', default: 2, min: 0, max: 10_000, unit: 'MB/s', description: 'write-ahead log written per second (the database grows by it)' },
    restoreMbPerSec: { type: 'number', default: 125, min: 1, max: 100_000, unit: 'MB/s', description: 'copy rate of a snapshot onto a new volume (125 MB/s: 1 Gbit/s)' },
    replayMbPerSec: { type: 'number', default: 50, min: 1, max: 100_000, unit: 'MB/s', description: 'log replay rate during recovery' },
    archiveTimeoutS: { type: 'number', default: 60, min: 1, max: 86_400, integer: true, unit: 's', description: 'snapshots-and-wal: the log is archived at least this often (PostgreSQL archive_timeout)' },
    replicaDelayMs: { type: 'number', default: 3_600_000, min: 0, max: 86_400_000, unit: 'ms', description: 'delayed-replica: how late the replica applies the log' },
    detectionMs: { type: 'number', default: 120_000, min: 0, max: 86_400_000, unit: 'ms', description: 'from the deletion until the on-call starts the restore' },
    writesPerMin: { type: 'number', default: 6, min: 0.1, max: 600, unit: '1/min', description: 'acknowledged writes the model tracks (Poisson)' },
  },
  variants: {
    'nightly-snapshots': {
      description: 'restore the 02:00 snapshot: quick to copy, a day of writes gone',
      params: { design: 'nightly-snapshots' },
      expectFail: ['rpo-5-minutes'],
    },
    'snapshots-and-wal': {
      description: 'snapshot + log archived every minute: point-in-time recovery, a day of log to replay',
      params: { design: 'snapshots-and-wal' },
      expectFail: ['rto-1-hour'],
    },
    'delayed-replica': {
      description: 'a replica an hour behind in another region: pause, replay to the deletion, promote',
      params: { design: 'delayed-replica' },
    },
  },
  faults: [{ at: `${DELETE_AT_US}us`, kind: 'data-delete', target: 'db-prod', mode: 'volume' }],
  faultKinds: ['data-delete', 'crash', 'region-outage'],
  keyMetrics: ['rpoWrites', 'rtoMs', 'restorePointAgeMs', 'restoredFrom', 'writesAcked'],
  build(ctx) {
    const { sim, params: p, world, service, client, openLoop, emit } = ctx;

    // ── components: production in us-east-1, backups (and the delayed replica) in us-west-2 ──
    const w = world({
      nodes: [
        { name: 'users', zone: 'internet' },
        { name: 'app-1', zone: 'us-east-1a' },
        { name: 'db-prod', zone: 'us-east-1a' },
        { name: 'backups', zone: 'us-west-2a' },
        { name: 'db-delayed', zone: 'us-west-2a' },
      ],
      regions: { 'us-east-1': ['us-east-1a'], 'us-west-2': ['us-west-2a'], internet: ['internet'] },
    });
    const design = p.design;
    const store = asyncReplicatedStore({
      world: w,
      name: 'gitlabhq_production',
      nodes: design === 'delayed-replica' ? ['db-prod', 'db-delayed'] : ['db-prod'],
      primary: 'db-prod',
      shipInterval: '1s',
      applyDelay: design === 'delayed-replica' ? { 'db-delayed': `${p.replicaDelayMs}ms` } : {},
    });
    const bk = backups({
      store,
      node: 'db-prod',
      to: 'backups',
      snapshots: { every: '24h', first: `${SNAPSHOT_AT_H}h` },
      ...(design === 'snapshots-and-wal' ? { wal: { archiveTimeout: `${p.archiveTimeoutS}s` } } : {}),
      dataGb: p.dataGb,
      walMbPerSec: p.walMbPerSec,
      restoreMbPerSec: p.restoreMbPerSec,
      replayMbPerSec: p.replayMbPerSec,
    });

    // ── wiring: the application writes each request to the primary ─────────────────────────
    const history = kvHistory(ctx);
    let n = 0;
    const app = service('app', {
      nodes: ['app-1'],
      endpoints: {
        write: {
          work: '1ms',
          handler: (h: Handling, done) => {
            const key = `row-${n++}`;
            const id = history.invoke(key, 'write', key, key, { node: h.node.name });
            store.write(h.node.name, key, key, (error) => {
              if (error === null) history.ok(id);
              else if (error === 'timeout') history.info(id, error);
              else history.fail(id, error);
              done(error === null ? okOutcome(0) : errorOutcome(error, 0));
            });
          },
        },
      },
    });

    // ── the on-call: notices the deletion after detectionMs, then restores ────────────────
    let deletedAtUs = -1;
    let servedAgainUs = -1;
    let restored: { from: string; seq: number; pointUs: number; lost: number } | null = null;
    store.onDataDelete((node) => {
      if (node !== 'db-prod' || deletedAtUs >= 0) return;
      deletedAtUs = sim.now;
      const detectUs = sim.now + p.detectionMs * 1000;
      sim.schedule(p.detectionMs * 1000, () => {
        const before = deletedAtUs;
        const ackedBefore = store.acked.filter((a) => a.atUs < before);
        if (design === 'delayed-replica') {
          // stop the replay before it reaches the deletion, then replay up to it: the log between
          // what the replica has applied (an hour ago) and the deletion
          store.pauseReplay('db-delayed');
          const replayUs = Math.max(0, before - (detectUs - p.replicaDelayMs * 1000));
          const durationUs = Math.round((p.walMbPerSec * replayUs) / p.replayMbPerSec);
          emit({ time: sim.now, kind: 'note', node: 'db-delayed', text: `on-call: replay paused; replaying ${(replayUs / 6e7).toFixed(1)} min of log up to the deletion, then promote` });
          sim.schedule(durationUs, () => {
            store.recover('db-delayed', before, 'recovered to just before the deletion and promoted');
            const lost = store.missingOn('db-delayed', ackedBefore);
            const kept = ackedBefore.filter((a) => !lost.includes(a));
            restored = { from: 'delayed replica', seq: kept.at(-1)?.seq ?? 0, pointUs: kept.at(-1)?.atUs ?? 0, lost: lost.length };
            servedAgainUs = sim.now;
          }, null);
          return;
        }
        emit({ time: sim.now, kind: 'note', node: 'db-prod', text: 'on-call: restoring from backups onto a new volume' });
        bk.restore('db-prod', before, (plan: RestorePlan) => {
          restored = { from: plan.replayedEntries > 0 ? 'snapshot + archived log' : 'snapshot', seq: plan.seq, pointUs: plan.pointUs, lost: bk.lostBy(plan, before).length };
          servedAgainUs = sim.now;
        });
      }, null);
    });

    // ── workload ─────────────────────────────────────────────────────────────────────────
    openLoop({ name: 'users', rate: `${p.writesPerMin}/min`, until: `${END_US}us`, call: client(app, 'write', { timeout: '5s' }), from: 'users' });

    return {
      untilUs: END_US + 10_000_000,
      metrics() {
        const r = restored as { from: string; seq: number; pointUs: number; lost: number } | null;
        const ok = history.operations.filter((o) => o.outcome === 'ok').length;
        return {
          writesAcked: ok,
          rpoWrites: r === null ? null : r.lost,
          rtoMs: servedAgainUs < 0 ? null : Math.round((servedAgainUs - deletedAtUs) / 1000),
          restorePointMs: r === null ? null : Math.round(r.pointUs / 1000),
          restorePointAgeMs: r === null ? null : Math.round((deletedAtUs - r.pointUs) / 1000),
          restoredFrom: r === null ? 'nothing' : r.from,
          deletedAtMs: deletedAtUs < 0 ? null : Math.round(deletedAtUs / 1000),
        };
      },
    };
  },
  checks: [
    {
      name: 'rpo-5-minutes',
      description: 'the restore loses at most five minutes of acknowledged writes (rpoWrites ≤ 5 × writesPerMin)',
      check({ metrics, params }) {
        const lost = metrics.rpoWrites as number | null;
        if (metrics.deletedAtMs === null) return { status: 'ok', detail: 'nothing was deleted' };
        if (lost === null) return { status: 'unknown', detail: 'the data was deleted and not restored by the end of the run' };
        const limit = 5 * (params.writesPerMin as number);
        const ok = lost <= limit;
        return { status: ok ? 'ok' : 'fail', detail: `${lost} acknowledged writes lost (limit ${limit}); restore point ${((metrics.restorePointAgeMs as number) / 60_000).toFixed(1)} min before the deletion`, firstFailedAtMs: ok ? null : (metrics.deletedAtMs as number) };
      },
    },
    {
      name: 'rto-1-hour',
      description: 'the database takes writes again within an hour of the deletion',
      check({ metrics }) {
        const rto = metrics.rtoMs as number | null;
        if (metrics.deletedAtMs === null) return { status: 'ok', detail: 'nothing was deleted' };
        if (rto === null) return { status: 'fail', detail: 'deleted, and not restored by the end of the run', firstFailedAtMs: (metrics.deletedAtMs as number) + 3_600_000 };
        const ok = rto <= 3_600_000;
        return { status: ok ? 'ok' : 'fail', detail: `served again ${(rto / 60_000).toFixed(1)} min after the deletion (from ${String(metrics.restoredFrom)})`, firstFailedAtMs: ok ? null : (metrics.deletedAtMs as number) + 3_600_000 };
      },
    },
  ],
});
