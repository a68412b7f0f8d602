/**
 * File output that never leaves a half-written or clobbered file. Every output is written to a
 * temporary file in the target's own directory, created exclusively (O_CREAT | O_EXCL: an
 * existing file or symlink of that name is never opened, let alone followed) under a random name,
 * flushed to disk (fsync), then renamed over the target (atomic on POSIX file systems) and the
 * directory entry flushed too. A temporary file is removed when the write fails and when the
 * process is stopped by SIGINT, SIGTERM or SIGHUP (`termination.ts`).
 *
 * Temporary names are `.<target name>.<pid>.<random>.tmp`: hidden, ending in `.tmp`, so no glob
 * for outputs matches them. One left behind by a process that was killed outright (SIGKILL, a
 * power cut) is removed the next time the same target is written, once its process is gone.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../kernel/errors.ts';
import { Hasher } from '../observe/hash.ts';
import { TRACE_FORMAT_VERSION, type TraceFileFooter, type TraceFileHeader, type TraceRecord, type TraceRunInfo, type TraceSink } from '../observe/trace.ts';
import { FAULTLINE_VERSION, type RunResult } from '../run/runner.ts';
import { onTermination } from './termination.ts';

const TEMP = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** Whether `name` is a temporary file of this module (for `target`'s base name when given). */
export function isTempFileName(name: string, target?: string): boolean {
  const m = TEMP.exec(name);
  return m !== null && (target === undefined || m[1] === basename(target));
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temporary files of `path` left by processes that no longer run. */
export function removeStaleTempFiles(path: string): string[] {
  const dir = dirname(path);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (m === null || m[1] !== basename(path) || alive(Number(m[2]))) continue;
    try {
      rmSync(join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // another process may be cleaning up too
    }
  }
  return removed;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'its directory does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of its path is not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EEXIST':
      return 'a file of its temporary name appeared meanwhile';
    default:
      return e.code ?? (err instanceof Error ? err.message : String(err));
  }
}

/** An open, exclusively created temporary file beside `path`, removed if the process stops. */
class TempFile {
  readonly tmp: string;
  readonly fd: number;
  private readonly forget: () => void;
  private open = true;

  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      removeStaleTempFiles(path);
      this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      this.fd = openSync(this.tmp, 'wx', 0o666);
    } catch (err) {
      throw new InputError(`cannot write ${path}: ${describe(err)}`);
    }
    this.forget = onTermination(() => this.discard());
  }

  write(data: string | Uint8Array): void {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off);
    } catch (err) {
      this.discard();
      throw new InputError(`cannot write ${this.path}: ${describe(err)}`);
    }
  }

  /** fsync, close, rename over the target, fsync the directory. */
  commit(): void {
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.open = false;
      renameSync(this.tmp, this.path);
    } catch (err) {
      this.discard();
      throw new InputError(`cannot write ${this.path}: ${describe(err)}`);
    }
    this.forget();
    try {
      const dirFd = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    } catch {
      // some file systems cannot fsync a directory; the rename itself is done
    }
  }

  discard(): void {
    this.forget();
    if (this.open) {
      this.open = false;
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    rmSync(this.tmp, { force: true });
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const f = new TempFile(path);
  f.write(data);
  f.commit();
}

/**
 * Streams trace records as JSON lines to a temporary file, buffered, without holding the trace in
 * memory; `commit()` renames it into place, `abort()` removes it. The file describes itself: a
 * header line (`TraceFileHeader`: what ran, so `faultline replay` can run it again) before the
 * records, and a footer line (`TraceFileFooter`: the trace hash, the hash and counts of the
 * records in the file) after them. Neither is a trace record, so neither changes the trace hash.
 */
export class JsonlFileSink implements TraceSink {
  private readonly file: TempFile;
  private buf: string[] = [];
  private size = 0;
  private readonly hasher = new Hasher();
  private readonly byKind = new Map<string, number>();
  private header: TraceFileHeader | null = null;
  count = 0;

  /** `about` adds to the header what only the command knows (how the scenario was named, the price table). */
  constructor(
    readonly path: string,
    private readonly about: Partial<Pick<TraceFileHeader, 'scenarioRef' | 'scenarioFile' | 'prices'>> = {},
  ) {
    this.file = new TempFile(path);
  }

  begin(run: TraceRunInfo): void {
    this.header = { kind: 'trace-header', format: TRACE_FORMAT_VERSION, faultline: FAULTLINE_VERSION, ...run, ...this.about };
    this.push(JSON.stringify(this.header));
  }

  write(record: TraceRecord): void {
    this.hasher.record(record as unknown as Record<string, unknown>);
    this.byKind.set(record.kind, (this.byKind.get(record.kind) ?? 0) + 1);
    this.count++;
    this.push(JSON.stringify(record));
  }

  private push(line: string): void {
    this.buf.push(line);
    this.size += line.length + 1;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    this.file.write(this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }

  /** Write the footer (when the run's result is given) and rename the file into place. */
  commit(result?: Pick<RunResult, 'traceHash' | 'stats' | 'metrics' | 'checks'>): void {
    if (result !== undefined) {
      const footer: TraceFileFooter = {
        kind: 'trace-footer',
        format: TRACE_FORMAT_VERSION,
        traceHash: result.traceHash,
        recordsHash: this.hasher.digest(),
        records: this.count,
        byKind: Object.fromEntries(this.byKind),
        // wall-clock time stays out: the footer is a function of the run
        stats: { events: result.stats.events, simTimeMs: result.stats.simTimeMs },
        metrics: result.metrics,
        checks: result.checks.map((c) => ({ name: c.name, status: c.status, expected: c.expected })),
      };
      this.push(JSON.stringify(footer));
    }
    this.flush();
    this.file.commit();
  }

  abort(): void {
    this.file.discard();
  }
}
