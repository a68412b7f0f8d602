// The CLI run in-process, its output captured: what a user would see, without spawning a process.
import { main } from '../../sim/cli/main.ts';

/** Runs `faultline <argv>` through the CLI's entry point and returns its exit code and output. */
export async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false });
  return { code, stdout, stderr };
}
