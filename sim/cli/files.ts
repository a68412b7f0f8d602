/**
 * File output that never leaves a half-written file: write to a temporary file beside the target,
 * then rename over it (atomic on POSIX file systems).
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { TraceRecord, TraceSink } from '../observe/trace.ts';

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Streams trace records as JSON lines to a temporary file, buffered, without holding the trace in
 * memory; `commit()` renames it into place, `abort()` removes it.
 */
export class JsonlFileSink implements TraceSink {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  private readonly tmp: string;
  count = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = tempPath(path);
    this.fd = openSync(this.tmp, 'w');
  }

  write(record: TraceRecord): void {
    const line = JSON.stringify(record);
    this.buf.push(line);
    this.size += line.length + 1;
    this.count++;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }

  commit(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.tmp, { force: true });
  }
}
