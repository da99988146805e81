/**
 * Media types by file extension, for the `Content-Type` of static files.
 *
 * @module
 */

const TYPES: Record<string, string> = {
  // Documents and code
  html: "text/html",
  htm: "text/html",
  xhtml: "application/xhtml+xml",
  css: "text/css",
  js: "text/javascript",
  mjs: "text/javascript",
  cjs: "text/javascript",
  json: "application/json",
  jsonld: "application/ld+json",
  map: "application/json",
  webmanifest: "application/manifest+json",
  txt: "text/plain",
  text: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  markdown: "text/markdown",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  xml: "application/xml",
  xsl: "application/xml",
  rss: "application/rss+xml",
  atom: "application/atom+xml",
  yaml: "text/yaml",
  yml: "text/yaml",
  toml: "application/toml",
  ics: "text/calendar",
  vtt: "text/vtt",
  srt: "application/x-subrip",
  ts: "text/typescript",
  tsx: "text/tsx",
  jsx: "text/jsx",
  wasm: "application/wasm",
  pdf: "application/pdf",
  rtf: "application/rtf",
  epub: "application/epub+zip",
  // Images
  png: "image/png",
  apng: "image/apng",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jfif: "image/jpeg",
  pjpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  heic: "image/heic",
  heif: "image/heif",
  jxl: "image/jxl",
  svg: "image/svg+xml",
  svgz: "image/svg+xml",
  ico: "image/x-icon",
  cur: "image/x-icon",
  bmp: "image/bmp",
  tif: "image/tiff",
  tiff: "image/tiff",
  // Fonts
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  eot: "application/vnd.ms-fontobject",
  // Audio and video
  mp4: "video/mp4",
  m4v: "video/mp4",
  webm: "video/webm",
  ogv: "video/ogg",
  mov: "video/quicktime",
  mkv: "video/x-matroska",
  avi: "video/x-msvideo",
  mpeg: "video/mpeg",
  mpg: "video/mpeg",
  m3u8: "application/vnd.apple.mpegurl",
  mpd: "application/dash+xml",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  opus: "audio/ogg",
  wav: "audio/wav",
  weba: "audio/webm",
  flac: "audio/flac",
  m4a: "audio/mp4",
  aac: "audio/aac",
  mid: "audio/midi",
  midi: "audio/midi",
  // Archives and binaries
  zip: "application/zip",
  gz: "application/gzip",
  tgz: "application/gzip",
  br: "application/octet-stream",
  bz2: "application/x-bzip2",
  xz: "application/x-xz",
  zst: "application/zstd",
  "7z": "application/x-7z-compressed",
  rar: "application/vnd.rar",
  tar: "application/x-tar",
  jar: "application/java-archive",
  apk: "application/vnd.android.package-archive",
  dmg: "application/x-apple-diskimage",
  iso: "application/x-iso9660-image",
  deb: "application/vnd.debian.binary-package",
  exe: "application/vnd.microsoft.portable-executable",
  msi: "application/x-msi",
  bin: "application/octet-stream",
  // Office documents
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ppt: "application/vnd.ms-powerpoint",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  odp: "application/vnd.oasis.opendocument.presentation",
  // 3D and data
  glb: "model/gltf-binary",
  gltf: "model/gltf+json",
  stl: "model/stl",
  obj: "model/obj",
  geojson: "application/geo+json",
  parquet: "application/vnd.apache.parquet",
  sqlite: "application/vnd.sqlite3",
};

const TEXTUAL = /^text\/|[+/]json$|[+/]xml$|^application\/(?:javascript|toml|x-subrip)$/;

/**
 * The `Content-Type` for a file name: from its extension, with
 * `charset=utf-8` on text types, and `application/octet-stream` when unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentType } from "./content_type.ts";
 * assert.equal(contentType("index.html"), "text/html; charset=utf-8");
 * assert.equal(contentType("photo.JPG"), "image/jpeg");
 * ```
 */
export function contentType(name: string): string {
  const dot = name.lastIndexOf(".");
  const slash = name.lastIndexOf("/");
  const type = dot > slash ? TYPES[name.slice(dot + 1).toLowerCase()] : undefined;
  if (type === undefined) return "application/octet-stream";
  return TEXTUAL.test(type) ? `${type}; charset=utf-8` : type;
}
