/**
 * Shared by the bench scripts.
 *
 * @module
 */

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
