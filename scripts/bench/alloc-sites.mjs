// Sums a sampling heap profile (scripts/bench/alloc-sampling.mjs) by allocating frame and by the
// nearest frame of this repository's code (packages/, apps/, scripts/; not node_modules):
//   node scripts/bench/alloc-sites.mjs alloc-<pid>.heapprofile [rows]
import { readFileSync } from "node:fs";

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node scripts/bench/alloc-sites.mjs <file.heapprofile> [rows]");
  process.exit(2);
}
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, "utf8"));
const MB = 1024 * 1024;
const bySite = new Map();
const byOwn = new Map();
let total = 0;

const nameOf = (frame) =>
  `${frame.functionName || "(anonymous)"} ${frame.url.split("/").slice(-2).join("/")}:${frame.lineNumber + 1}`;
const isOwn = (frame) =>
  /\/(packages|apps|scripts)\//.test(frame.url) && !frame.url.includes("node_modules");
const add = (map, key, bytes) => map.set(key, (map.get(key) ?? 0) + bytes);

// Iterative, with the nearest own frame carried down: profiles are deep.
const stack = [{ node: profile.head, own: undefined }];
while (stack.length > 0) {
  const { node, own: above } = stack.pop();
  const own = isOwn(node.callFrame) ? nameOf(node.callFrame) : above;
  total += node.selfSize;
  add(bySite, nameOf(node.callFrame), node.selfSize);
  add(byOwn, own ?? "(no frame of ours)", node.selfSize);
  for (const child of node.children) stack.push({ node: child, own });
}

const print = (title, map) => {
  console.log(title);
  for (const [key, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${(bytes / MB).toFixed(1).padStart(9)} MB  ${key}`);
  }
};
console.log(`sampled: ${(total / MB).toFixed(1)} MB allocated`);
print("by allocating frame:", bySite);
print("by the nearest frame of ours:", byOwn);
