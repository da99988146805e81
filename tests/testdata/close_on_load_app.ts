// An app that ends its worker while loading.
self.close();

export default { fetch: () => new Response("never") };
