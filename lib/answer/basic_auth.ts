/**
 * Rule: HTTP Basic authentication (RFC 7617) against hashed passwords. A
 * password is kept as `pbkdf2-sha256$ITERATIONS$SALT$HASH` (base64), never as
 * itself; a check derives the hash from what the client sent and compares
 * in constant time, and an unknown user costs the same derivation, so the
 * time taken tells nothing. Each worker remembers the last credentials that
 * passed (a bounded set) so a browser, which sends them with every request,
 * does not pay ~80 ms of hashing each time.
 *
 * @module
 */

/** PBKDF2-SHA256 iterations for new hashes (OWASP's figure for it). */
export const ITERATIONS = 600_000;
/** How many credentials that passed each worker remembers. */
const REMEMBERED = 256;
const FORMAT = /^pbkdf2-sha256\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** Whether `hash` is in the form {@linkcode hashPassword} writes. */
export function isPasswordHash(hash: string): boolean {
  return FORMAT.test(hash);
}

/**
 * `password` hashed for a rules file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashPassword, isPasswordHash } from "./basic_auth.ts";
 * const hash = await hashPassword("s3cret", 1000);
 * assert.ok(isPasswordHash(hash) && hash.startsWith("pbkdf2-sha256$1000$"));
 * ```
 */
export async function hashPassword(password: string, iterations = ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${iterations}$${toBase64(salt)}$${
    toBase64(await derive(password, salt, iterations))
  }`;
}

/** Checks `Authorization` fields against one rule's users. */
export class BasicAuth {
  readonly #users: Map<string, string>;
  readonly #passed = new Set<string>();
  /** A hash to check unknown users against, so they take as long as known ones. */
  readonly #decoy: string;

  /** `users`: name → hash (`pbkdf2-sha256$…`). */
  constructor(users: Record<string, string>) {
    this.#users = new Map(Object.entries(users));
    this.#decoy = this.#users.values().next().value ?? "";
  }

  /**
   * Whether `authorization` (the field's value, or null) names a user with the right password.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BasicAuth, hashPassword } from "./basic_auth.ts";
   * const auth = new BasicAuth({ alice: await hashPassword("s3cret", 1000) });
   * const basic = (text: string) => `Basic ${btoa(text)}`;
   * assert.equal(await auth.allows(basic("alice:s3cret")), true);
   * assert.equal(await auth.allows(basic("alice:wrong")), false);
   * assert.equal(await auth.allows(basic("bob:s3cret")), false);
   * assert.equal(await auth.allows(null), false);
   * ```
   */
  allows(authorization: string | null): boolean | Promise<boolean> {
    if (authorization === null) return false;
    // Known good at once: the layers after this one still run in the handler's first turn (`balance.ts`).
    if (this.#passed.has(authorization)) return true;
    return this.#check(authorization);
  }

  async #check(authorization: string): Promise<boolean> {
    const credentials = decodeBasic(authorization);
    if (credentials === null) return false;
    const known = this.#users.get(credentials.user);
    const ok = await matches(credentials.password, known ?? this.#decoy) && known !== undefined;
    if (ok) {
      if (this.#passed.size >= REMEMBERED) this.#passed.delete(this.#passed.values().next().value!);
      this.#passed.add(authorization);
    }
    return ok;
  }
}

/** RFC 7617 §2: `Basic base64(user ":" password)`, UTF-8; null if it is not that. */
function decodeBasic(authorization: string): { user: string; password: string } | null {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(authorization);
  if (match === null) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0)),
    );
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  return colon === -1 ? null : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

async function matches(password: string, hash: string): Promise<boolean> {
  const parts = FORMAT.exec(hash);
  if (parts === null) return false;
  const expected = fromBase64(parts[3]);
  const got = await derive(password, fromBase64(parts[2]), Number(parts[1]));
  // Constant time: every byte is compared, whatever the first difference.
  let difference = expected.length ^ got.length;
  for (let i = 0; i < expected.length; i++) difference |= expected[i] ^ (got[i] ?? 0);
  return difference === 0;
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const params = { name: "PBKDF2", hash: "SHA-256", salt, iterations };
  return new Uint8Array(await crypto.subtle.deriveBits(params, key, 256));
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
