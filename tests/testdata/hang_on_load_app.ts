// An app whose loading never ends: it waits on something that never comes (a database, say).
await new Promise(() => {});

export default { fetch: () => new Response("never") };
