/**
 * Waiting for something, but not for ever.
 *
 * @module
 */

/**
 * Resolves when `promise` settles or `ms` milliseconds have passed, whichever
 * comes first; the timer is cleared either way, so it keeps nothing alive.
 *
 * @example
 * ```ts
 * import { waitAtMost } from "./wait_at_most.ts";
 * await waitAtMost(new Promise(() => {}), 10); // gives up after 10 ms
 * ```
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      promise.catch(() => {}),
      new Promise((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
