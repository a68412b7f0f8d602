/**
 * Output paths (`--out`, `--trace`, `--report`, `--perfetto`) checked before any work starts, so a
 * long run or a finished `check` never loses its result to a typo in a path; and write errors that
 * name the flag and the path the user gave, not a temporary file and a bare errno.
 *
 * A path that is a symbolic link is written through: the file it points to is replaced, the link
 * stays (as `cp` or a shell redirection would do), instead of the link being replaced by a file.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, lstatSync, openSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../kernel/errors.ts';
import { hasOwn, showName, stripControl, truncate } from '../kernel/show.ts';

/** Create and remove an empty, exclusively created file in `dir`; throws the file system's error. */
function probeCreate(dir: string): void {
  const probe = join(dir, `.faultline-probe-${process.pid}-${randomBytes(6).toString('hex')}`);
  closeSync(openSync(probe, 'wx'));
  rmSync(probe, { force: true });
}

/** Most symbolic links followed from an output path to its file (Linux allows 40 per lookup). */
const LINK_HOPS_MAX = 40;

/** The file `path` writes to: itself, or what its chain of symbolic links ends at. */
function followLinks(flag: string, path: string): string {
  let p = resolve(path);
  for (let hop = 0; hop <= LINK_HOPS_MAX; hop++) {
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (st === undefined || !st.isSymbolicLink()) return p;
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw new InputError(`${flag} ${showName(path)}: more than ${LINK_HOPS_MAX} symbolic links; give the file's own path`);
}

/**
 * Check that `path` can be written for `flag` and return the path to write to (symbolic links
 * followed). Missing folders are fine (they are created when the file is written) as long as the
 * nearest existing one is a writable folder. Nothing is created or changed.
 */
export function checkOutputPath(flag: string, path: string): string {
  const where = `${flag} ${showName(path)}`;
  if (path.length === 0) throw new InputError(`${flag}: needs a file name`);
  if (path.includes('\0')) throw new InputError(`${where}: a file name cannot contain a NUL character`);
  let target: string;
  try {
    target = followLinks(flag, path);
    const st = statSync(target, { throwIfNoEntry: false });
    if (st?.isDirectory()) throw new InputError(`${where}: is a directory; give a file name such as ${showName(`${path.replace(/\/+$/, '')}/result.json`)}`);
    if (st !== undefined && !st.isFile()) throw new InputError(`${where}: is not a regular file`);
    if (st !== undefined) accessSync(target, constants.W_OK);
    // the nearest folder that exists must be a folder we may create files in
    let dir = dirname(target);
    for (;;) {
      const d = statSync(dir, { throwIfNoEntry: false });
      if (d !== undefined) {
        if (!d.isDirectory()) throw new InputError(`${where}: ${showName(dir)} is not a directory`);
        accessSync(dir, constants.W_OK | constants.X_OK);
        // access() says yes to root everywhere and knows nothing of read-only or virtual file
        // systems: creating (and removing) an empty file in the nearest existing folder is the
        // only test that does not lie
        probeCreate(dir);
        break;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${where}: cannot write there (${describeFsError(err)})`);
  }
  return target;
}

/**
 * Check every output of a command at once, before it runs: each path writable, no two flags naming
 * the same file. Returns the paths to write to, by flag.
 */
export function checkOutputPaths(outputs: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const [flag, path] of Object.entries(outputs)) {
    if (path === undefined) continue;
    const target = checkOutputPath(flag, path);
    const other = seen.get(target);
    if (other !== undefined) throw new InputError(`${flag} and ${other} name the same file ${showName(path)}; give each its own file`);
    seen.set(target, flag);
    out[flag] = target;
  }
  return out;
}

/**
 * Run `write` (which writes, or opens, `path` for `flag`; sync or async): a file-system error
 * becomes a one-line error naming the flag and the path as given, never the temporary file.
 */
export function writeOutput<T>(flag: string, path: string, write: () => T): T {
  const wrap = (err: unknown): unknown => {
    if (err instanceof InputError || typeof (err as NodeJS.ErrnoException | undefined)?.code !== 'string') return err;
    return new InputError(`${flag} ${showName(path)}: could not write it (${describeFsError(err)})`);
  };
  try {
    const r = write();
    if (r instanceof Promise) {
      return r.catch((err: unknown) => {
        throw wrap(err);
      }) as T;
    }
    return r;
  } catch (err) {
    throw wrap(err);
  }
}

/** "no such file or directory" for ENOENT and the like: what went wrong, without a stack. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EEXIST: 'it already exists',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
    EMFILE: 'too many open files',
    EBUSY: 'it is busy',
  };
  if (typeof code === 'string') return hasOwn(known, code) ? `${known[code]}, ${code}` : code;
  return truncate(stripControl(err instanceof Error ? err.message : String(err)), 160);
}

