/**
 * Reading a JSONL trace file (what `faultline run --trace` writes) one line at a time, without
 * holding it in memory: the header line (what ran), the records, and the footer line (hashes and
 * counts). Every line is parsed as it is read; one that does not parse, or a record without a
 * `time` and a `kind`, is an input error naming the file and the line. The records read are
 * hashed as the runner hashes them, so `recordsHash` can be held against the footer's.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../kernel/errors.ts';
import { showName, stripControl, truncate } from '../kernel/show.ts';
import { Hasher } from '../observe/hash.ts';
import { TRACE_FORMAT_VERSION, type TraceFileFooter, type TraceFileHeader } from '../observe/trace.ts';
import type { TraceLine } from './diff.ts';

const CHUNK = 1 << 20;
/** Longest line a trace file may have (a record is a few hundred bytes; a header holds a plan). */
const LINE_MAX = 64 * 1024 * 1024;

export class TraceFileReader {
  readonly header: TraceFileHeader | null;
  footer: TraceFileFooter | null = null;
  /** Records read so far (header and footer not counted). */
  records = 0;
  private readonly fd: number;
  private readonly hasher = new Hasher();
  private readonly bytes = Buffer.alloc(CHUNK);
  private pending = '';
  // a chunk may end inside a multi-byte character: the decoder keeps its first bytes for the next
  private readonly decoder = new StringDecoder('utf8');
  private lines: string[] = [];
  private eof = false;
  private lineNo = 0;
  private peeked: TraceLine | undefined;

  /** `flag` names where the path came from in errors (`diff`, `replay`). */
  constructor(
    readonly path: string,
    private readonly flag: string,
  ) {
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new InputError(`${flag}: cannot read ${showName(path)} (${code === 'ENOENT' ? 'no such file' : (code ?? String(err))})`);
    }
    const first = this.readLine();
    if (first !== undefined && first.kind === 'trace-header') {
      if (typeof first.format !== 'number' || first.format > TRACE_FORMAT_VERSION) {
        throw this.error(1, `a trace header of format ${JSON.stringify(first.format)}; this faultline reads format ${TRACE_FORMAT_VERSION} and older`);
      }
      this.header = first as unknown as TraceFileHeader;
    } else {
      // a trace without a header (written by an older faultline): its records still compare
      this.header = null;
      this.peeked = first;
    }
  }

  /** The file's line number of the last line read. */
  get line(): number {
    return this.lineNo;
  }

  private error(line: number, what: string): InputError {
    return new InputError(`${this.flag} ${showName(this.path)} line ${line}: ${what}`);
  }

  private rawLine(): string | undefined {
    while (this.lines.length === 0) {
      if (this.eof) {
        if (this.pending === '') return undefined;
        const last = this.pending;
        this.pending = '';
        return last;
      }
      const n = readSync(this.fd, this.bytes, 0, CHUNK, null);
      if (n === 0) {
        this.eof = true;
        this.pending += this.decoder.end();
        continue;
      }
      const parts = (this.pending + this.decoder.write(this.bytes.subarray(0, n))).split('\n');
      this.pending = parts.pop()!;
      if (this.pending.length > LINE_MAX) throw this.error(this.lineNo + 1, `a line longer than ${LINE_MAX} characters`);
      this.lines = parts.reverse();
    }
    return this.lines.pop();
  }

  /** The next parsed line (header, record or footer), or undefined at the end of the file. */
  private readLine(): TraceLine | undefined {
    for (;;) {
      const text = this.rawLine();
      if (text === undefined) return undefined;
      this.lineNo++;
      if (text.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (err) {
        throw this.error(this.lineNo, `not valid JSON (${truncate(stripControl(err instanceof Error ? err.message : String(err)), 120)})`);
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v) || typeof (v as TraceLine).kind !== 'string') {
        throw this.error(this.lineNo, 'not a trace record (a JSON object with a "kind")');
      }
      return v as TraceLine;
    }
  }

  /** The next trace record, or undefined after the last one (the footer, when there is one, is kept in `footer`). */
  next(): TraceLine | undefined {
    let r: TraceLine | undefined;
    if (this.peeked !== undefined) {
      r = this.peeked;
      this.peeked = undefined;
    } else {
      if (this.footer !== null) return undefined;
      r = this.readLine();
    }
    if (r === undefined) return undefined;
    if (r.kind === 'trace-footer') {
      this.footer = r as unknown as TraceFileFooter;
      const after = this.readLine();
      if (after !== undefined) throw this.error(this.lineNo, 'a line after the trace footer (the footer ends a trace file)');
      return undefined;
    }
    if (r.kind === 'trace-header') throw this.error(this.lineNo, 'a second trace header');
    if (typeof r.time !== 'number') throw this.error(this.lineNo, 'a trace record without a numeric "time"');
    this.hasher.record(r);
    this.records++;
    return r;
  }

  /** Read to the end (validating every line); returns the number of records. */
  drain(): number {
    while (this.next() !== undefined);
    return this.records;
  }

  /** The hash of the records read so far, computed as the runner computes the trace hash. */
  get recordsHash(): string {
    return this.hasher.digest();
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/** Read a whole trace file once: header, footer, record count and hash (every line validated). */
export function scanTraceFile(path: string, flag: string): { header: TraceFileHeader | null; footer: TraceFileFooter | null; records: number; recordsHash: string } {
  const r = new TraceFileReader(path, flag);
  try {
    const records = r.drain();
    return { header: r.header, footer: r.footer, records, recordsHash: r.recordsHash };
  } finally {
    r.close();
  }
}
