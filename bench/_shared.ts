/**
 * Shared by the bench scripts.
 *
 * @module
 */

/** The V8 flag weft's start command runs with (docs/performance.md, Memory under load): every bench runs weft so. */
export const WEFT_V8_FLAGS = "--v8-flags=--max-semi-space-size=4";

/** Resolves once something accepts connections on 127.0.0.1:`port`; throws after 10 s. */
export async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing listens on port ${port}`);
}

/** Starts `command`; its output is dropped, its errors shown. */
export function spawn(command: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(command, { args, stdout: "null", stderr: "inherit" }).spawn();
}

/** Stops a started server and waits for it to exit. */
export async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    return;
  }
  await child.status;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** RSS of a server's process and its children (nginx's workers), in MiB. */
export async function rssMiB(pid: number): Promise<number> {
  // The server's process and its children (nginx's worker).
  const out = await new Deno.Command("ps", { args: ["-o", "rss=", "--ppid", String(pid), "-p", String(pid)] })
    .output();
  return new TextDecoder().decode(out.stdout).trim().split(/\s+/).reduce((n, kb) => n + Number(kb), 0) / 1024;
}
