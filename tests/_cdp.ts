/**
 * Just enough of the Chrome DevTools Protocol, over Deno's own WebSocket, to
 * load a page in headless Chromium, wait for a promise the page makes, and see
 * the responses the browser got. (`--dump-dom` cannot wait for media events.)
 */

/** A response as the browser saw it. */
export interface SeenResponse {
  url: string;
  status: number;
  /** Field names in lower case. */
  headers: Record<string, string>;
}

/** What {@linkcode loadAndEvaluate} returns. */
export interface PageResult {
  /** The value the expression's promise resolved to. */
  value: unknown;
  /** Every response the page's requests got, in order. */
  responses: SeenResponse[];
}

/**
 * Opens `url` in a fresh headless Chromium, waits for its load event, then
 * evaluates `expression` (a promise is awaited) and returns its value. With
 * `reload`, that runs once the page has loaded, and the expression waits for
 * the page to load again (which `reload` must bring about). Gives up after
 * `timeoutMs`, always closing the browser. `browserArgs` go to Chromium too.
 */
export async function loadAndEvaluate(
  url: string,
  expression: string,
  timeoutMs = 30_000,
  reload?: (reloaded: Promise<void>) => Promise<void>,
  browserArgs: string[] = [],
): Promise<PageResult> {
  const profile = await Deno.makeTempDir({ prefix: "weft-cdp-" });
  const browser = new Deno.Command("chromium", {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      ...browserArgs,
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = browser.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let socket: WebSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the page did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return await Promise.race([timeout, drive()]);
  } finally {
    clearTimeout(timer);
    socket?.close();
    browser.kill();
    await browser.status;
    await stderr.cancel();
    await removeWhenQuiet(profile);
  }

  async function drive(): Promise<PageResult> {
    // Chromium prints its DevTools address on stderr once it listens.
    let printed = "";
    while (!/DevTools listening on ws:\/\/[^\s]+/.test(printed)) {
      const { value, done } = await stderr.read();
      if (done) throw new Error(`chromium exited: ${printed}`);
      printed += value;
    }
    const port = new URL(/ws:\/\/[^\s]+/.exec(printed)![0]).port;
    // Keep draining stderr, so a full pipe never stalls the browser.
    void (async () => {
      for (let step = await stderr.read(); !step.done; step = await stderr.read()) continue;
    })().catch(() => {});
    const targets: { type: string; webSocketDebuggerUrl: string }[] =
      await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    const page = targets.find((t) => t.type === "page");
    if (page === undefined) throw new Error("chromium opened no page");
    const ws = socket = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    let nextId = 1;
    const answers = new Map<number, (message: CdpMessage) => void>();
    const responses: SeenResponse[] = [];
    let onLoad: (() => void) | null = null;
    ws.onmessage = (e) => {
      const message: CdpMessage = JSON.parse(e.data);
      if (message.id !== undefined) return answers.get(message.id)?.(message);
      if (message.method === "Page.loadEventFired") onLoad?.();
      if (message.method === "Network.responseReceived") {
        const { url, status, headers } = message.params.response;
        const lower = Object.fromEntries(
          Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
        );
        responses.push({ url, status, headers: lower });
      }
    };
    const call = async (method: string, params: Record<string, unknown> = {}) => {
      const id = nextId++;
      const answered = new Promise<CdpMessage>((resolve) => answers.set(id, resolve));
      ws.send(JSON.stringify({ id, method, params }));
      const answer = await answered;
      if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
      return answer.result;
    };
    await call("Network.enable");
    await call("Page.enable");
    const loaded = new Promise<void>((resolve) => (onLoad = resolve));
    await call("Page.navigate", { url });
    await loaded;
    if (reload !== undefined) {
      const reloaded = new Promise<void>((resolve) => (onLoad = resolve));
      await reload(reloaded);
      await reloaded;
    }
    const evaluated = await call("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (evaluated.exceptionDetails) throw new Error(`the page threw: ${evaluated.exceptionDetails.text}`);
    return { value: evaluated.result.value, responses };
  }
}

/** Removes the profile folder; Chromium's helper processes may still write to it for a moment after the browser ends. */
async function removeWhenQuiet(dir: string): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      return await Deno.remove(dir, { recursive: true });
    } catch (e) {
      if (attempt === 20) throw e;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

// deno-lint-ignore no-explicit-any
type CdpMessage = { id?: number; method?: string; params?: any; result?: any; error?: { message: string } };
