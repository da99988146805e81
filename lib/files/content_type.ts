/**
 * Media types by file extension, for the `Content-Type` of static files.
 *
 * @module
 */

const TYPES: Record<string, string> = {
  html: "text/html",
  htm: "text/html",
  css: "text/css",
  js: "text/javascript",
  mjs: "text/javascript",
  cjs: "text/javascript",
  json: "application/json",
  map: "application/json",
  webmanifest: "application/manifest+json",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  xml: "application/xml",
  svg: "image/svg+xml",
  ico: "image/x-icon",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  bmp: "image/bmp",
  apng: "image/apng",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  mp4: "video/mp4",
  webm: "video/webm",
  ogv: "video/ogg",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  wav: "audio/wav",
  flac: "audio/flac",
  m4a: "audio/mp4",
  aac: "audio/aac",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  tar: "application/x-tar",
  wasm: "application/wasm",
  ts: "text/plain",
  tsx: "text/plain",
  yaml: "text/yaml",
  yml: "text/yaml",
  toml: "text/plain",
  vtt: "text/vtt",
  ics: "text/calendar",
  rss: "application/rss+xml",
  atom: "application/atom+xml",
  epub: "application/epub+zip",
};

/**
 * The `Content-Type` for a file name: from its extension, with
 * `charset=utf-8` on text types, and `application/octet-stream` when unknown.
 *
 * @example
 * ```ts
 * import { contentType } from "./content_type.ts";
 * console.log(contentType("index.html")); // "text/html; charset=utf-8"
 * console.log(contentType("photo.JPG")); // "image/jpeg"
 * ```
 */
export function contentType(name: string): string {
  const dot = name.lastIndexOf(".");
  const type = dot === -1 ? undefined : TYPES[name.slice(dot + 1).toLowerCase()];
  if (type === undefined) return "application/octet-stream";
  const textual = type.startsWith("text/") || type === "application/json" ||
    type === "image/svg+xml" || type.endsWith("+xml") || type === "application/xml" ||
    type === "application/manifest+json";
  return textual ? `${type}; charset=utf-8` : type;
}
