import assert from "node:assert/strict";
import { applyMask, maskKey } from "./mask.ts";

Deno.test("applyMask agrees with the byte-by-byte rule at every alignment, offset and length", () => {
  const mask = new Uint8Array([0x12, 0x80, 0xfe, 0x07]);
  const source = crypto.getRandomValues(new Uint8Array(64));
  for (let align = 0; align < 4; align++) {
    for (let offset = 0; offset < 4; offset++) {
      for (let length = 0; length <= 40; length++) {
        const bytes = new Uint8Array(64).subarray(align, align + length);
        bytes.set(source.subarray(0, length));
        const expected = source.subarray(0, length).map((b, i) => b ^ mask[(offset + i) & 3]);
        const seen = applyMask(bytes, maskKey(mask, 0), offset);
        assert.deepEqual(bytes, expected, `align ${align} offset ${offset} length ${length}`);
        assert.equal(seen, expected.reduce((or, b) => or | b, 0));
      }
    }
  }
});
