// An app that takes a moment to load, then fails: clients can connect meanwhile.
await new Promise((resolve) => setTimeout(resolve, 500));
throw new Error("the database is not there");
