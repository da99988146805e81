import assert from "node:assert/strict";
import { HpackDecoder, HpackEncoder } from "./hpack.ts";
import { HpackTable } from "./hpack_table.ts";

const hex = (text: string) => Uint8Array.from(text.replace(/\s/g, "").match(/../g)!, (h) => parseInt(h, 16));

Deno.test("hpack: RFC 7541 C.4, three requests with Huffman coding through one decoder", () => {
  const decoder = new HpackDecoder(4096);
  const first = decoder.decode(hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"), 16384).fields;
  assert.deepEqual(first, [[":method", "GET"], [":scheme", "http"], [":path", "/"], [
    ":authority",
    "www.example.com",
  ]]);
  assert.equal(decoder.tableSize, 57);
  const second = decoder.decode(hex("8286 84be 5886 a8eb 1064 9cbf"), 16384).fields;
  assert.deepEqual(second.at(-1), ["cache-control", "no-cache"]);
  assert.equal(decoder.tableSize, 110);
  const third =
    decoder.decode(hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"), 16384).fields;
  assert.deepEqual(third, [
    [":method", "GET"],
    [":scheme", "https"],
    [":path", "/index.html"],
    [":authority", "www.example.com"],
    ["custom-key", "custom-value"],
  ]);
  assert.equal(decoder.tableSize, 164);
});

Deno.test("hpack: what RFC 7541 refuses is a COMPRESSION_ERROR for the connection", () => {
  const cases: [string, string][] = [
    ["8f", "index 15 is fine"],
    ["ff80", "index past both tables"],
    ["80", "index 0"],
    ["ffffffffff7f", "an integer above 2^32 - 1"],
    ["4005", "a string longer than the block"],
    ["82 3f e1 1f", "a table size update after a field"],
    ["3fe21f", "a table size above the limit"],
    ["408100 81ff", "Huffman padding that is not EOS's high bits... or EOS"],
  ];
  for (const [bytes, why] of cases.slice(1)) {
    assert.throws(() => new HpackDecoder(4096).decode(hex(bytes), 16384), (e: Error & { code?: number }) => {
      assert.equal(e.code, 9, why);
      assert.match(e.message, /^RFC 7541: /);
      return true;
    }, why);
  }
  assert.equal(new HpackDecoder(4096).decode(hex(cases[0][0]), 16384).fields[0][0], "accept-charset");
});

Deno.test("hpack: a block over the list limit is dropped, and the table still follows it", () => {
  const encoder = new HpackEncoder(4096);
  const decoder = new HpackDecoder(4096);
  const big: [string, string][] = [["x-big", "v".repeat(200)], ["x-small", "s"]];
  assert.deepEqual(decoder.decode(encoder.encode(big), 100), { fields: [], tooLarge: true });
  const again = encoder.encode(big);
  assert.ok(again.length <= 4, "indexed the second time");
  assert.deepEqual(decoder.decode(again, 1000).fields, big);
});

Deno.test("hpack: secrets are never indexed; the peer's smaller table is announced and kept to", () => {
  const encoder = new HpackEncoder(4096);
  const block = encoder.encode([["authorization", "Basic abc"]]);
  assert.equal(block[0] & 0xf0, 0x10, "§6.2.3 never indexed");
  assert.equal(encoder.encode([["authorization", "Basic abc"]]).length, block.length, "not in the table");
  encoder.resize(0);
  const resized = encoder.encode([["server", "weft"]]);
  assert.equal(resized[0], 0x20, "§6.3: a size update to 0 first");
  const decoder = new HpackDecoder(4096);
  decoder.decode(resized, 1000);
  assert.equal(decoder.tableSize, 0);
});

Deno.test("hpack: the table's lookups agree with a scan of its index space, through adds, evictions and resizes", () => {
  const table = new HpackTable(300);
  let seed = 7;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const names = [":status", "etag", "x-a", "x-b", "content-type", "date"];
  const values = ["", "200", "1", "22", "333", "text/html"];
  for (let step = 0; step < 5000; step++) {
    const [name, value] = [names[next(names.length)], values[next(values.length)]];
    if (next(10) === 0) table.resize(next(10) === 0 ? 0 : 100 + next(400));
    else if (next(2) === 0) table.add(name, value);
    // The scan: the lowest index with both, and the lowest with the name, static first.
    let both = 0;
    let named = 0;
    for (let index = 1; table.get(index) !== undefined; index++) {
      const [n, v] = table.get(index)!;
      if (n !== name) continue;
      named ||= index;
      if (v === value) both ||= index;
    }
    const found = table.find(name, value);
    assert.equal(found.both, both, `step ${step}: ${name}: ${value}`);
    assert.equal(found.name === 0, named === 0, `step ${step}: ${name}`);
    if (found.name !== 0) assert.equal(table.get(found.name)?.[0], name);
  }
});
