/** Where a command writes: the process's streams, or a test's buffers. */
export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
  /** Paint outcomes in colour (sim/cli/color.ts decides from NO_COLOR, FORCE_COLOR and the TTY); off when absent. */
  color?: boolean;
}
