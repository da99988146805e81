/**
 * A seeded fuzzer for the sans-I/O core: valid requests mutated at random,
 * and random bytes, fed to a ServerConnection whole and in random pieces.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ServerConnection } from "../lib/http/connection.ts";
import { HttpParseError } from "../lib/http/errors.ts";

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same inputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = new TextEncoder();

/** Valid requests to mutate. */
export const SEEDS: Uint8Array[] = [
  "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
  "GET /index.html?q=1&r=%20 HTTP/1.1\r\nHost: localhost:7878\r\nUser-Agent: Mozilla/5.0\r\n" +
  "Accept: text/html,*/*;q=0.8\r\nAccept-Encoding: gzip, br\r\nCookie: a=1; b=2\r\nConnection: keep-alive\r\n\r\n",
  "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world",
  'POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext="q"\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\n',
  "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /3 HTTP/1.1\r\nHost: a\r\n\r\n",
  "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n",
  "GET http://example.com:80/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n",
  "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
  "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
  "PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
  "\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
].map((s) => enc.encode(s));

const SPECIAL = [
  0x0d,
  0x0a,
  0x20,
  0x09,
  0x3a,
  0x00,
  0x7f,
  0x80,
  0xff,
  0x22,
  0x3b,
  0x3d,
  0x2c,
  0x30,
  0x66,
  0x2d,
];

/** One fuzz input: mostly a mutated seed, sometimes random bytes. */
export function fuzzInput(random: () => number): Uint8Array {
  return mutated(random, SEEDS, SPECIAL);
}

/** One of `seeds` mutated one to four times (bytes flipped, set to one of `special`, cut, repeated, joined), or now and then random bytes. */
export function mutated(random: () => number, seeds: Uint8Array[], special: number[]): Uint8Array {
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  if (random() < 0.1) {
    return Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256));
  }
  let bytes = [...pick(seeds)];
  const mutations = 1 + Math.floor(random() * 4);
  for (let m = 0; m < mutations; m++) {
    const at = Math.floor(random() * (bytes.length + 1));
    switch (Math.floor(random() * 7)) {
      case 0:
        if (bytes.length) bytes[at % bytes.length] ^= 1 << Math.floor(random() * 8);
        break;
      case 1:
        if (bytes.length) bytes[at % bytes.length] = pick(special);
        break;
      case 2:
        bytes.splice(at, 0, ...Array.from({ length: 1 + Math.floor(random() * 8) }, () => pick(special)));
        break;
      case 3:
        bytes.splice(at, 1 + Math.floor(random() * 10));
        break;
      case 4: {
        const len = Math.floor(random() * 30);
        bytes.splice(at, 0, ...bytes.slice(Math.max(0, at - len), at));
        break;
      }
      case 5:
        bytes = [...bytes.slice(0, at), ...pick(seeds)];
        break;
      case 6:
        bytes = bytes.slice(0, at);
        break;
    }
  }
  return Uint8Array.from(bytes);
}

/**
 * Feeds `bytes` to a new connection in the given pieces, answering each
 * request, then ends the input. Returns a transcript of events, response
 * bytes (dates blanked) and how it ended. Any exception that is not an
 * HttpParseError escapes.
 */
export function transcript(bytes: Uint8Array, cuts: number[]): string[] {
  const conn = new ServerConnection();
  const log: string[] = [];
  for (const piece of [...pieces(bytes, cuts), null]) {
    if (piece === null) conn.receiveEof();
    else conn.receive(piece);
    for (;;) {
      let event;
      try {
        event = conn.nextEvent();
      } catch (e) {
        if (!(e instanceof HttpParseError)) throw e;
        log.push(`error ${e.status} ${e.code}`);
        return log;
      }
      if (event.type === "need-data" || event.type === "paused") break;
      if (event.type === "closed") {
        log.push("closed");
        return log;
      }
      if (event.type === "data") {
        // Pieces of a body differ with the cuts; their sum must not.
        const last = log.at(-1);
        const prior = last?.startsWith("data ") ? Number(last.slice(5)) : 0;
        if (last?.startsWith("data ")) log.pop();
        log.push(`data ${prior + event.data.length}`);
        continue;
      }
      if (event.type === "request") {
        log.push(`request ${event.head.method} ${event.target.path} ${event.body}`);
        continue;
      }
      log.push(`end ${event.trailers.length}`);
      const head = new TextDecoder().decode(conn.respond({ status: 200, contentLength: 2 }));
      log.push(head.replace(/Date: [^\r]+/, "Date: -"));
      conn.sendBody(enc.encode("ok"));
      conn.endResponse();
      if (conn.mustClose) {
        log.push("must close");
        return log;
      }
    }
  }
  return log;
}

/** Random cut points inside `length`, sorted, distinct. */
export function randomCuts(random: () => number, length: number): number[] {
  if (length < 2) return [];
  const n = 1 + Math.floor(random() * 6);
  const cuts = new Set<number>();
  for (let i = 0; i < n; i++) cuts.add(1 + Math.floor(random() * (length - 1)));
  return [...cuts].sort((a, b) => a - b);
}

/**
 * Runs `count` inputs from `seed`: each parses to events or a typed error,
 * the same whole, in random pieces, and (when short) byte by byte.
 */
export function fuzz(seed: number, count: number): { inputs: number; errors: number } {
  return splitInvariant(seed, count, fuzzInput, transcript);
}

/**
 * The fuzz loop for any sans-I/O parser: `count` inputs made from `seed`,
 * each `transcribe`d whole, at random cuts and (when short) byte by byte,
 * which must all agree. Counts the inputs whose transcript ends in an error.
 */
export function splitInvariant(
  seed: number,
  count: number,
  input: (random: () => number) => Uint8Array,
  transcribe: (bytes: Uint8Array, cuts: number[]) => string[],
): { inputs: number; errors: number } {
  const random = prng(seed);
  let errors = 0;
  for (let i = 0; i < count; i++) {
    const bytes = input(random);
    const whole = transcribe(bytes, []);
    if (whole.at(-1)?.startsWith("error")) errors++;
    const cuts = randomCuts(random, bytes.length);
    assert.deepEqual(transcribe(bytes, cuts), whole, `seed ${seed} input ${i}, cuts ${cuts}`);
    if (bytes.length <= 120 && i % 10 === 0) {
      const every = Array.from({ length: bytes.length - 1 }, (_, k) => k + 1);
      assert.deepEqual(transcribe(bytes, every), whole, `seed ${seed} input ${i}, byte by byte`);
    }
  }
  return { inputs: count, errors };
}

/** `bytes` cut at `cuts`, as copies: what a parser receives read by read. */
export function pieces(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  return [0, ...cuts].map((start, i) => bytes.slice(start, i < cuts.length ? cuts[i] : bytes.length));
}
