// An app module without a fetch method: weft must refuse to start.
export default { hello: "world" };
