/**
 * Locks from a handler: the locks one request takes in a `LockTable` (see sim/world/locks.ts),
 * released together when it answers.
 *
 *   const accounts = lockTable({ name: 'accounts', node: 'bank' });      // on the build context
 *   handler: (h, done) => {
 *     const held = lockSession(accounts, h);
 *     const answer = held.done(done);            // releases every lock, then answers
 *     held.lock('a', () => held.lock('b', (err) => (err ? answer(errorOutcome(err, 0)) : ... answer(okOutcome(0)))));
 *   }
 *
 * Each session is one owner in the wait-for graph, named `<node>/<endpoint>#<n>` (n counts the
 * sessions of the table in the order they were made, so the same run names the same owners).
 * A lock granted after the request's process crashed is not handed to the dead handler.
 */
import { errorOutcome, type Done, type Outcome } from '../patterns/call.ts';
import type { Duration } from '../kernel/time.ts';
import type { LockError, LockMode, LockTable } from '../world/locks.ts';
import type { Handling } from './service.ts';

const sessionsMade = new WeakMap<LockTable, number>();

/** The locks one request holds in one table (see `lockSession`). */
export class LockSession {
  private readonly held = new Set<string>();
  private readonly incarnation: number;
  private finished = false;

  constructor(
    readonly table: LockTable,
    /** This request's owner id in the wait-for graph. */
    readonly owner: string,
    private readonly h: Handling<unknown>,
  ) {
    this.incarnation = h.node.incarnation;
  }

  /**
   * Take `key` (exclusive, or `shared` in a read-write table), then `then(null)`; `then(error)`
   * when the wait timed out (`lock-timeout`). `timeout` overrides the table's for this wait.
   */
  lock(key: string, then: (error: LockError | null) => void, mode: LockMode = 'exclusive', timeout?: Duration): void {
    this.table.acquire(
      this.owner,
      key,
      mode,
      (err) => {
        // the process died while it waited: nobody is left to hold the lock
        if (this.h.node.incarnation !== this.incarnation) return;
        if (err === null) {
          if (this.finished) {
            this.table.release(this.owner, key);
            return;
          }
          this.held.add(key);
        }
        then(err);
      },
      timeout,
    );
  }

  /** Give `key` back (early release; `done` releases whatever is still held). */
  unlock(key: string): void {
    if (!this.held.delete(key)) return;
    this.table.release(this.owner, key);
  }

  /** Give every lock back and withdraw a wait still pending. */
  unlockAll(): void {
    this.finished = true;
    this.held.clear();
    this.table.releaseAll(this.owner);
  }

  /** `done`, releasing every lock first: the request's answer. */
  done(done: Done): Done {
    return (o: Outcome) => {
      this.unlockAll();
      done(o);
    };
  }

  /** Take the locks `keys` one after the other, in the order given, then `then(null)`; on a timeout, `then(error)` with the ones taken still held. */
  lockAll(keys: readonly string[], then: (error: LockError | null) => void, mode: LockMode = 'exclusive'): void {
    const step = (i: number): void => {
      if (i === keys.length) return then(null);
      this.lock(keys[i]!, (err) => (err !== null ? then(err) : step(i + 1)), mode);
    };
    step(0);
  }
}

/** A session for the request `h` in `table`: one owner of the wait-for graph per request. */
export function lockSession(table: LockTable, h: Handling<any>): LockSession {
  const n = (sessionsMade.get(table) ?? 0) + 1;
  sessionsMade.set(table, n);
  return new LockSession(table, `${h.node.name}/${h.endpoint}#${n}`, h);
}

/** The outcome a handler answers with when a lock wait timed out. */
export function lockFailure(error: LockError): Outcome {
  return errorOutcome(error, 0);
}
