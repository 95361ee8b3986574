import assert from "node:assert/strict";
import { test } from "node:test";
import { mean, median } from "../src/stats.js";

test("mean of several values", () => {
  assert.equal(mean([2, 4, 6]), 4);
});

test("mean of one value is that value", () => {
  assert.equal(mean([5]), 5);
});

test("median sorts numerically", () => {
  assert.equal(median([10, 9, 1]), 9);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});
