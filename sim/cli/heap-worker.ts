/**
 * The body of the worker thread `run --heap-max-mb` starts (through `worker-entry.mjs`): it runs
 * the run command as the main thread would, sending what it writes and its exit code back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { reportError } from './main.ts';
import { runCommand } from './run-command.ts';
import type { HeapWorkerData, HeapWorkerMessage } from './heap-watchdog.ts';
import type { Io } from './io.ts';

const data = (workerData as { command: HeapWorkerData }).command;
const post = (m: HeapWorkerMessage): void => parentPort!.postMessage(m);
const io: Io = {
  stdout: (text) => post({ stream: 'stdout', text }),
  stderr: (text) => post({ stream: 'stderr', text }),
  isTTY: data.isTTY,
  color: data.color,
};
if (data.columns !== undefined) process.stdout.columns = data.columns;
let code: number;
try {
  code = await runCommand(data.argv, io, { capped: true });
} catch (err) {
  code = reportError(err, io);
}
post({ exit: code });
