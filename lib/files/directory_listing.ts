/**
 * The HTML page for a folder listing (`--list`).
 *
 * @module
 */

import { escapeHtml, htmlPage } from "../html_page.ts";

/** One entry of a folder. */
export interface ListingEntry {
  name: string;
  isDirectory: boolean;
  size: number;
  mtime: Date | null;
}

/**
 * Renders a listing of `entries` for the folder at `urlPath` (decoded, ending
 * in `/`): its path with a link to every folder above it, then folders,
 * then files, each sorted by name, with sizes and modification dates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderListing } from "./directory_listing.ts";
 * const html = renderListing("/docs/", [{ name: "a b.txt", isDirectory: false, size: 12, mtime: null }]);
 * assert.equal(html.includes('href="a%20b.txt"'), true);
 * ```
 */
export function renderListing(urlPath: string, entries: ListingEntry[]): string {
  const sorted = [...entries].sort((a, b) =>
    a.isDirectory === b.isDirectory
      ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
      : a.isDirectory
      ? -1
      : 1
  );
  const rows = sorted.map((e) => {
    const name = e.isDirectory ? `${e.name}/` : e.name;
    const href = encodeURIComponent(e.name) + (e.isDirectory ? "/" : "");
    const size = e.isDirectory ? "—" : formatSize(e.size);
    const date = e.mtime ? e.mtime.toISOString().slice(0, 16).replace("T", " ") : "";
    return `<tr><td><a href="${href}">${
      escapeHtml(name)
    }</a></td><td class="n">${size}</td><td>${date}</td></tr>`;
  });
  if (urlPath !== "/") rows.unshift(`<tr><td><a href="../">../</a></td><td class="n"></td><td></td></tr>`);
  const title = `Index of ${urlPath}`;
  const style = `table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .75rem; border-bottom: 1px solid #eee; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
a { text-decoration: none; } a:hover { text-decoration: underline; }`;
  return htmlPage(
    title,
    style,
    `<h1>Index of ${breadcrumbs(urlPath)}</h1>
<table>
<thead><tr><th>Name</th><th class="n">Size</th><th>Modified (UTC)</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>`,
  );
}

/**
 * The folder's path with a link to each folder above it and itself, relative
 * (`../../`), so the links hold behind a proxy that serves weft under a prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { breadcrumbs } from "./directory_listing.ts";
 * assert.equal(
 *   breadcrumbs("/a b/c/"),
 *   '<a href="../../">/</a><a href="../">a b</a>/<a href="./">c</a>/',
 * );
 * ```
 */
export function breadcrumbs(urlPath: string): string {
  const names = urlPath.split("/").filter((name) => name !== "");
  const up = (levels: number) => levels === 0 ? "./" : "../".repeat(levels);
  const links = [`<a href="${up(names.length)}">/</a>`];
  names.forEach((name, i) => links.push(`<a href="${up(names.length - 1 - i)}">${escapeHtml(name)}</a>/`));
  return links.join("");
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let n = bytes / 1024;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}
