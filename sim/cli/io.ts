/** Where a command writes: the process's streams, or a test's buffers. */
export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}
