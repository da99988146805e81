/**
 * Rule: weft's own pages (a folder listing, an error for a browser) share one
 * look and one way to put text into HTML: escaped, always.
 *
 * @module
 */

/**
 * Escapes text for HTML content and attribute values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./html_page.ts";
 * assert.equal(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * A whole page: `title` (text), page-specific CSS after the shared rules, and `body` (HTML).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htmlPage } from "./html_page.ts";
 * const page = htmlPage("A & B", "p { color: red; }", "<p>hi</p>");
 * assert.match(page, /<title>A &amp; B<\/title>[\s\S]*p \{ color: red; \}[\s\S]*<body>\n<p>hi<\/p>/);
 * ```
 */
export function htmlPage(title: string, style: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 56rem; padding: 0 1rem; color: #222; }
${style}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}
