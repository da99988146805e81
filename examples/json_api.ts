/**
 * A small JSON API: a to-do list kept in Deno KV at one path, so every
 * worker sees the same todos (a module-level `Map` would be per worker: a
 * todo POSTed through one worker would be missing from the next GET through
 * another).
 *
 *   deno run --unstable-kv --allow-net --allow-read --allow-write=. mod.ts --app examples/json_api.ts
 *   deno serve --unstable-kv --allow-read --allow-write=. examples/json_api.ts
 *
 * GET and POST /api/todos ({"title": "…"}); GET, PATCH ({"title"?, "done"?}) and DELETE
 * /api/todos/:id. Anything outside /api answers 404, so weft serves files there when a
 * root is given. The data is in `todos.kv` in the working folder.
 *
 * @module
 */

interface Todo {
  id: number;
  title: string;
  done: boolean;
}

const kv = await Deno.openKv("./todos.kv");
const LAST_ID = ["todos_last_id"];

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });

/** Reads a JSON object from the body, or the 400 answer to send instead. */
async function readObject(request: Request): Promise<Record<string, unknown> | Response> {
  try {
    const input = await request.json();
    if (input !== null && typeof input === "object" && !Array.isArray(input)) return input;
  } catch {
    // Not JSON: answered below.
  }
  return json({ error: "the body must be a JSON object" }, 400);
}

function checkTitle(title: unknown): string | Response {
  if (typeof title === "string" && title.trim() !== "") return title.trim();
  return json({ error: "title must be a non-empty string" }, 422);
}

/**
 * Commits `write`, trying again (up to 50 times) while another worker's write holds the database. Deno KV's
 * SQLite takes one writer at a time, and a commit with a check that meets another fails with "database is
 * locked" rather than waiting (under `deno serve --parallel` too); a failed commit wrote nothing.
 */
async function commit(write: Deno.AtomicOperation): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
  for (let attempt = 1;; attempt++) {
    try {
      return await write.commit();
    } catch (e) {
      if (attempt === 50 || !(e instanceof Error) || !/database is locked/.test(e.message)) throw e;
      await new Promise((wake) => setTimeout(wake, Math.random() * 2 * attempt));
    }
  }
}

async function create(request: Request): Promise<Response> {
  const input = await readObject(request);
  if (input instanceof Response) return input;
  const title = checkTitle(input.title);
  if (title instanceof Response) return title;
  // Two workers may take the same next id at once: the check makes one commit fail, and it tries again.
  for (;;) {
    const last = await kv.get<number>(LAST_ID);
    const todo: Todo = { id: (last.value ?? 0) + 1, title, done: false };
    const saved = await commit(kv.atomic().check(last).set(LAST_ID, todo.id).set(["todos", todo.id], todo));
    if (saved.ok) return json(todo, 201);
  }
}

async function update(request: Request, id: number): Promise<Response> {
  const input = await readObject(request);
  if (input instanceof Response) return input;
  const title = input.title === undefined ? undefined : checkTitle(input.title);
  if (title instanceof Response) return title;
  if (input.done !== undefined && typeof input.done !== "boolean") {
    return json({ error: "done must be true or false" }, 422);
  }
  for (;;) {
    const stored = await kv.get<Todo>(["todos", id]);
    if (stored.value === null) return json({ error: "no such todo" }, 404);
    const todo = {
      ...stored.value,
      ...(title && { title }),
      ...(input.done !== undefined && { done: input.done }),
    };
    if ((await commit(kv.atomic().check(stored).set(["todos", id], todo))).ok) return json(todo);
  }
}

function notAllowed(method: string, allow: string): Response {
  const answer = json({ error: `${method} is not allowed here` }, 405);
  answer.headers.set("allow", allow);
  return answer;
}

async function list(): Promise<Response> {
  const todos: Todo[] = [];
  for await (const entry of kv.list<Todo>({ prefix: ["todos"] })) todos.push(entry.value);
  return json(todos);
}

async function one(request: Request, id: number): Promise<Response> {
  if (request.method === "PATCH") return await update(request, id);
  const stored = await kv.get<Todo>(["todos", id]);
  if (stored.value === null) return json({ error: "no such todo" }, 404);
  if (request.method === "DELETE") {
    await kv.delete(["todos", id]);
    return new Response(null, { status: 204 });
  }
  return json(stored.value);
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (!pathname.startsWith("/api/")) return new Response("not found", { status: 404 });
    const { method } = request;
    if (pathname === "/api/todos") {
      if (method === "GET") return await list();
      if (method === "POST") return await create(request);
      return notAllowed(method, "GET, POST");
    }
    const match = /^\/api\/todos\/(\d+)$/.exec(pathname);
    if (!match) return json({ error: `no route for ${pathname}` }, 404);
    if (["GET", "PATCH", "DELETE"].includes(method)) return await one(request, Number(match[1]));
    return notAllowed(method, "GET, PATCH, DELETE");
  },
} satisfies Deno.ServeDefaultExport;
