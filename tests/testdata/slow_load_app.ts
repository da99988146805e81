// An app that takes a moment and a half to load, then serves: signals can come while it loads.
await new Promise((resolve) => setTimeout(resolve, 1500));

export default { fetch: () => new Response("loaded") };
