/**
 * A counted resource with `capacity` slots and a waiting line, as SimPy's `Resource`: the
 * building block of servers, thread pools and connection pools. Grants happen at the current
 * time through the kernel's FIFO, in request order (FIFO) or newest first (LIFO).
 *
 * Callback API (hot path): `request(fn, arg)` returns a ticket; `cancel(ticket)` withdraws a
 * request still waiting; `release()` frees a slot. Generator API: `yield resource.acquire()`.
 */
import { InputError } from './errors.ts';
import { SimEvent, type Callback, type Simulation } from './sim.ts';

/** The order a `Resource` grants waiting requests in: oldest first (`fifo`) or newest first (`lifo`). */
export type QueueDiscipline = 'fifo' | 'lifo';

/**
 * A counted resource with `capacity` slots and a waiting line, as SimPy's `Resource`: the
 * building block of servers, thread pools and connection pools. `request(fn, arg)` and
 * `release()` on the hot path, `yield resource.acquire()` in a generator process.
 */
export class Resource {
  inUse = 0;
  // waiting line: entries [head, tail) of parallel arrays; a granted or cancelled entry has fn null.
  // Arrays are reused, never truncated (changing an array's length is costly in V8).
  // Allocated up front and grown by doubling off the hot path (see the kernel's FIFO).
  private wf: (Callback | null)[] = new Array(16).fill(null);
  private wa: unknown[] = new Array(16).fill(null);
  private wt: number[] = new Array(16).fill(0);
  private head = 0;
  private tail = 0;
  private live = 0;
  private nextTicket = 1;

  constructor(
    readonly sim: Simulation,
    public capacity: number,
    readonly discipline: QueueDiscipline = 'fifo',
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new InputError(`Resource capacity ${capacity} is not valid; use an integer ≥ 1`);
    }
    sim.onDispose(() => this.clearQueue());
  }

  /** Requests waiting for a slot. */
  get queueLength(): number {
    return this.live;
  }

  /** Ask for a slot; `fn(arg)` runs when granted. Returns a ticket for `cancel`. */
  request<A>(fn: Callback<A>, arg: A): number {
    const ticket = this.nextTicket++;
    if (this.inUse < this.capacity && this.live === 0) {
      this.inUse++;
      this.sim._soon(fn, arg);
    } else {
      this.wait(fn, arg, ticket);
    }
    return ticket;
  }

  // (the waiting path of `request` on its own: a small `request` is inlined into its callers)
  private wait(fn: Callback, arg: unknown, ticket: number): void {
    if (this.tail === this.wf.length) {
      if (this.head > 0 && this.head * 2 >= this.tail) this.shift();
      else this.growLine();
    }
    const i = this.tail++;
    this.wf[i] = fn;
    this.wa[i] = arg;
    this.wt[i] = ticket;
    this.live++;
  }

  /** Withdraw a waiting request. Returns false if it was already granted (or unknown). */
  cancel(ticket: number): boolean {
    // tickets are appended in increasing order and only removed from either end: binary search
    let lo = this.head;
    let hi = this.tail - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = this.wt[mid]!;
      if (t < ticket) lo = mid + 1;
      else if (t > ticket) hi = mid - 1;
      else {
        if (this.wf[mid] === null) return false;
        this.wf[mid] = null;
        this.wa[mid] = null;
        this.live--;
        this.trim();
        return true;
      }
    }
    return false;
  }

  /** Free a slot and grant it to the next waiter, if any. */
  release(): void {
    if (this.inUse <= 0) releaseWithoutGrant();
    // every slot busy and someone waiting (a queue's usual state): the slot passes straight on
    if (this.live > 0 && this.inUse === this.capacity && this.discipline === 'fifo') {
      const i = this.head;
      const fn = this.wf[i]!;
      const arg = this.wa[i];
      this.wf[i] = null;
      this.wa[i] = null;
      if (--this.live === 0) {
        this.head = 0;
        this.tail = 0;
      } else {
        let h = i + 1;
        while (this.wf[h] === null) h++;
        this.head = h;
      }
      this.sim._soon(fn, arg);
      return;
    }
    this.inUse--;
    if (this.live > 0) this.grant();
  }

  /** Change the number of slots (autoscaling a pool); extra waiters are granted at once. */
  resize(capacity: number): void {
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new InputError(`Resource capacity ${capacity} is not valid; use an integer ≥ 1`);
    }
    this.capacity = capacity;
    this.grant();
  }

  /** Drop every waiter (a crash loses the queue); returns how many were dropped. */
  clearQueue(): number {
    const n = this.live;
    for (let i = this.head; i < this.tail; i++) {
      this.wf[i] = null;
      this.wa[i] = null;
    }
    this.head = 0;
    this.tail = 0;
    this.live = 0;
    return n;
  }

  /**
   * Generator style: `yield resource.acquire()` resumes once a slot is held. A process that stops
   * waiting (its deadline fired first) calls `withdraw(request)`: false means the slot was granted
   * meanwhile, and is the caller's to `release()`.
   */
  acquire(): AcquireRequest {
    const ev = new AcquireRequest(this.sim);
    ev.ticket = this.request(granted, ev);
    return ev;
  }

  /** Withdraw an `acquire()` still waiting. False if it was already granted (release the slot then). */
  withdraw(request: AcquireRequest): boolean {
    return !request.triggered && this.cancel(request.ticket);
  }

  private grant(): void {
    const lifo = this.discipline === 'lifo';
    while (this.inUse < this.capacity && this.live > 0) {
      const i = lifo ? this.tail - 1 : this.head;
      const fn = this.wf[i]!;
      const arg = this.wa[i];
      this.wf[i] = null;
      this.wa[i] = null;
      this.live--;
      this.inUse++;
      this.trim();
      this.sim._soon(fn, arg);
    }
  }

  /** Drop granted or cancelled entries from both ends; reset to the start when empty. */
  private trim(): void {
    if (this.live === 0) {
      this.head = 0;
      this.tail = 0;
      return;
    }
    while (this.wf[this.head] === null) this.head++;
    while (this.wf[this.tail - 1] === null) this.tail--;
  }

  private growLine(): void {
    const n = this.wf.length;
    for (let i = 0; i < n; i++) {
      this.wf.push(null);
      this.wa.push(null);
      this.wt.push(0);
    }
  }

  /** Move live entries to the front so the arrays stop growing. */
  private shift(): void {
    const n = this.tail - this.head;
    for (let i = 0; i < n; i++) {
      this.wf[i] = this.wf[this.head + i]!;
      this.wa[i] = this.wa[this.head + i];
      this.wt[i] = this.wt[this.head + i]!;
    }
    for (let i = n; i < this.tail; i++) {
      this.wf[i] = null;
      this.wa[i] = null;
    }
    this.head = 0;
    this.tail = n;
  }
}

/** An `acquire()` request: fires when the slot is granted. */
export class AcquireRequest extends SimEvent<void> {
  /** @internal the resource's ticket, for `withdraw`. */
  ticket = 0;
}

function releaseWithoutGrant(): never {
  throw new Error('Resource.release without a matching grant');
}

// the grant is the whole callback, so the waiters may run without another queue hop
function granted(ev: AcquireRequest): void {
  ev._succeedLast(undefined);
}
