/**
 * A small JSON API: a to-do list kept in memory, so per worker: with several
 * workers a GET may miss a todo another worker took. `visits.ts` shows state
 * every worker shares (Deno KV at one path).
 *
 *   deno run --allow-net --allow-read mod.ts --app examples/json_api.ts
 *   deno serve examples/json_api.ts
 *
 * GET /api/todos, POST /api/todos {"title": "…"}, GET /api/todos/:id.
 * Anything outside /api answers 404, so weft serves files there when a root is given.
 *
 * @module
 */

interface Todo {
  id: number;
  title: string;
  done: boolean;
}

const todos = new Map<number, Todo>();
let nextId = 1;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (!pathname.startsWith("/api/")) return new Response("not found", { status: 404 });
    if (pathname === "/api/todos" && request.method === "GET") return json([...todos.values()]);
    if (pathname === "/api/todos" && request.method === "POST") {
      let input: { title?: unknown };
      try {
        input = await request.json();
      } catch {
        return json({ error: "the body must be JSON" }, 400);
      }
      if (typeof input.title !== "string" || input.title.trim() === "") {
        return json({ error: "title must be a non-empty string" }, 422);
      }
      const todo = { id: nextId++, title: input.title.trim(), done: false };
      todos.set(todo.id, todo);
      return json(todo, 201);
    }
    const match = /^\/api\/todos\/(\d+)$/.exec(pathname);
    if (match && request.method === "GET") {
      const todo = todos.get(Number(match[1]));
      return todo ? json(todo) : json({ error: "no such todo" }, 404);
    }
    return json({ error: `no route for ${request.method} ${pathname}` }, 404);
  },
} satisfies Deno.ServeDefaultExport;
