/**
 * Rule: the rules file (`weft.json` in the root, or `--config FILE`): per-path
 * sign-in (HTTP Basic), response headers, redirects and rewrites, checked whole before anything is
 * served. A mistake stops the start, or the reload, with one line naming the
 * file, the line and the key. The checked rules travel to every worker as
 * plain data; `answer/rules.ts` applies them.
 *
 * ```json
 * {
 *   "headers": [{ "source": "/assets/**", "headers": { "Cache-Control": "public, max-age=31536000, immutable" } }],
 *   "redirects": [{ "source": "/old/:slug", "destination": "/new/:slug", "status": 301 }],
 *   "rewrites": [{ "source": "/app/**", "destination": "/index.html" }]
 * }
 * ```
 *
 * @module
 */

import { checkField } from "../http/added_fields.ts";
import { isPasswordHash } from "../answer/basic_auth.ts";
import { compilePattern } from "../answer/path_pattern.ts";
import { type JsonPath, parseJsonLines } from "./json_lines.ts";

/** Fields added to the responses of matching paths. */
export interface HeaderRule {
  source: string;
  headers: [string, string][];
}
/** A matching path is answered with a redirect to `destination` (its `:name` and `*` filled). */
export interface RedirectRule {
  source: string;
  destination: string;
  status: 301 | 302 | 307 | 308;
}
/** A matching path needs one of `users` (name → `pbkdf2-sha256$…` hash) to sign in (HTTP Basic). */
export interface AuthRule {
  source: string;
  realm: string;
  users: Record<string, string>;
}
/** A matching path is served as if `destination` had been asked for. */
export interface RewriteRule {
  source: string;
  destination: string;
}
/** Where a server's rules come from, and what they may ask of it. */
export interface RulesSource {
  /** The file named (`--config`), or null for `weft.json` in `root` if there is one. */
  file: string | null;
  root: string | null;
  /** Whether a proxy's word on the client is believed (`--trust-proxy`): `https` needs it. */
  trustProxy: boolean;
}

/**
 * The rules from `source`; none when no file is named and the root has no `weft.json`. A named file that
 * cannot be read, or any mistake, throws a {@linkcode RulesError}.
 */
export function loadRules({ file, root, trustProxy }: RulesSource): Rules {
  const path = file ?? (root === null ? null : `${root}/weft.json`);
  if (path === null) return NO_RULES;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (file === null && e instanceof Deno.errors.NotFound) return NO_RULES;
    throw new RulesError(`${path}: cannot be read (${(e as Error).message.split(":")[0]}) (--config)`);
  }
  const rules = checkRules(text, path);
  if (rules.https && !trustProxy) {
    throw new RulesError(
      `${path}: https needs --trust-proxy (it is the proxy that says which scheme was used)`,
    );
  }
  return rules;
}

/** A rules file, checked. */
export interface Rules {
  /** Answer a request the proxy says came over plain HTTP with a redirect to HTTPS (needs --trust-proxy). */
  https: boolean;
  auth: AuthRule[];
  headers: HeaderRule[];
  redirects: RedirectRule[];
  rewrites: RewriteRule[];
}

/** No rules. */
export const NO_RULES: Rules = { https: false, auth: [], headers: [], redirects: [], rewrites: [] };

/** Whether `rules` ask for nothing (no layer is needed for them). */
export function isEmpty(rules: Rules): boolean {
  return !rules.https &&
    [rules.auth, rules.headers, rules.redirects, rules.rewrites].every((list) => list.length === 0);
}

/** The file's line and key where a rules file is wrong, and why. */
export class RulesError extends Error {
  override name = "RulesError";
}

/** The members each kind of entry has: those marked `true` it must have. */
const ENTRY_KEYS = {
  auth: { source: true, users: true, realm: false },
  headers: { source: true, headers: true },
  redirects: { source: true, destination: true, status: false },
  rewrites: { source: true, destination: true },
} as const;

/**
 * Reads and checks the rules in `text`, from `file` (named in errors).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkRules } from "./rules.ts";
 * const rules = checkRules('{ "redirects": [{ "source": "/old", "destination": "/new" }] }', "weft.json");
 * assert.deepEqual(rules.redirects, [{ source: "/old", destination: "/new", status: 301 }]);
 * assert.throws(() => checkRules('{\n  "redirect": []\n}', "weft.json"), /^RulesError: weft\.json:2: redirect: not a key/);
 * assert.throws(
 *   () => checkRules('{ "redirects": [\n  { "source": "/a", "destination": "/b", "status": 200 }\n] }', "w.json"),
 *   /w\.json:2: redirects\[0\]\.status: 301, 302, 307 or 308, not 200/,
 * );
 * assert.throws(
 *   () => checkRules('{ "auth": [{ "source": "/a/**", "users": { "alice": "s3cret" } }] }', "w.json"),
 *   /w\.json:1: auth\[0\]\.users\.alice: must be a hash from weft --hash-password/,
 * );
 * ```
 */
export function checkRules(text: string, file: string): Rules {
  let json;
  try {
    json = parseJsonLines(text);
  } catch (e) {
    throw new RulesError(`${file}: ${(e as Error).message}`);
  }
  const fail = (path: JsonPath, why: string): never => {
    const key = path.map((p, i) => typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`).join("");
    throw new RulesError(`${file}:${json.lineOf(path)}: ${key || "(the file)"}: ${why}`);
  };
  const top = json.value;
  if (!isObject(top)) return fail([], "must be an object with headers, redirects or rewrites");
  const rules: Rules = { https: false, auth: [], headers: [], redirects: [], rewrites: [] };
  for (const [kind, entries] of Object.entries(top)) {
    if (kind === "https") {
      if (typeof entries !== "boolean") return fail([kind], "must be true or false");
      rules.https = entries;
      continue;
    }
    if (!(kind in ENTRY_KEYS)) return fail([kind], `not a key (https, auth, headers, redirects or rewrites)`);
    if (!Array.isArray(entries)) return fail([kind], "must be a list");
    entries.forEach((entry, i) => {
      const at = [kind, i];
      if (!isObject(entry)) return fail(at, "must be an object");
      const keys = ENTRY_KEYS[kind as keyof typeof ENTRY_KEYS] as Record<string, boolean>;
      for (const key of Object.keys(entry)) if (!(key in keys)) fail([...at, key], "not a key of this entry");
      for (const [key, needed] of Object.entries(keys)) {
        if (needed && !(key in entry)) fail(at, `${key} is missing`);
      }
      const str = (key: string) =>
        typeof entry[key] === "string" ? entry[key] : fail([...at, key], "must be a string");
      try {
        compilePattern(str("source"));
      } catch (e) {
        fail([...at, "source"], (e as Error).message);
      }
      if (kind === "auth") {
        const realm = entry.realm === undefined ? "weft" : str("realm");
        rules.auth.push({ source: str("source"), realm, users: users(entry.users, at, fail) });
      } else if (kind === "headers") {
        rules.headers.push({ source: str("source"), headers: fields(entry.headers, at, fail) });
      } else if (kind === "rewrites") {
        if (!str("destination").startsWith("/")) {
          fail([...at, "destination"], "must be a path starting with /");
        }
        rules.rewrites.push({ source: str("source"), destination: str("destination") });
      } else {
        const status = entry.status ?? 301;
        if (![301, 302, 307, 308].includes(status as number)) {
          fail([...at, "status"], `301, 302, 307 or 308, not ${JSON.stringify(status)}`);
        }
        rules.redirects.push(
          { source: str("source"), destination: str("destination"), status } as RedirectRule,
        );
      }
    });
  }
  return rules;
}

/** An `auth` entry's users, each with a hash `weft --hash-password` made. */
function users(
  value: unknown,
  at: JsonPath,
  fail: (path: JsonPath, why: string) => never,
): Record<string, string> {
  if (!isObject(value) || Object.keys(value).length === 0) {
    return fail([...at, "users"], "must be an object of user names and password hashes");
  }
  for (const [name, hash] of Object.entries(value)) {
    if (name.includes(":")) fail([...at, "users", name], "a user name has no colon (RFC 7617 §2)");
    if (typeof hash !== "string" || !isPasswordHash(hash)) {
      fail([...at, "users", name], "must be a hash from weft --hash-password (pbkdf2-sha256$…)");
    }
  }
  return value as Record<string, string>;
}

/** A `headers` entry's fields, each checked as `--header` checks them. */
function fields(
  value: unknown,
  at: JsonPath,
  fail: (path: JsonPath, why: string) => never,
): [string, string][] {
  if (!isObject(value)) return fail([...at, "headers"], "must be an object of field names and values");
  return Object.entries(value).map(([name, field]) => {
    if (typeof field !== "string") return fail([...at, "headers", name], "must be a string");
    try {
      return checkField(name, field);
    } catch (e) {
      return fail([...at, "headers", name], (e as Error).message);
    }
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
