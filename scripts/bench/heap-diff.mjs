// Where a server's per-stream memory goes: two V8 heap snapshots (before and with N open streams)
// summed by constructor (type + name), their difference divided by N, biggest first. Closures are
// also named by where their function is written (file:line), and the contexts they keep are
// counted with them: "124 closures" says nothing, "run-slots.js:40 ×3" says whose they are.
// Used by the bench's `streams` phase with SANDCASTER_BENCH_HEAP=1; also runnable by hand:
//   node scripts/bench/heap-diff.mjs before.heapsnapshot after.heapsnapshot 10000
// With `--retainers array:,closure: [depth]` it says instead who holds the objects of those kinds
// (type:name prefixes) made between the two snapshots: grouped by their retainer path, `depth`
// levels up (3 by default), per stream. "43 arrays" says nothing; "16 × array: <-elements-
// object:Array <-readRequests-…" says whose they are.
import { readFile } from "node:fs/promises";

/** The last two path segments of a script's URL (enough to find it, short enough to read). */
function shortScript(url) {
  const path = url.replace(/^file:\/\//, "");
  const parts = path.split("/");
  const at = parts.lastIndexOf("node_modules");
  if (at >= 0 && at + 1 < parts.length) {
    const name = parts[at + 1].startsWith("@") ? parts.slice(at + 1, at + 3) : [parts[at + 1]];
    return `${name.join("/")}:${parts.at(-1)}`;
  }
  return parts.slice(-2).join("/");
}

/** {"type:name": {count, bytes}} and {"closure@file:line": {count, bytes}} of one snapshot file. */
export async function heapByConstructor(path) {
  const snapshot = JSON.parse(await readFile(path, "utf8"));
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const edgeCountAt = fields.indexOf("edge_count");
  const types = meta.node_types[typeAt];
  const edgeFields = meta.edge_fields;
  const edgeWidth = edgeFields.length;
  const edgeTypeAt = edgeFields.indexOf("type");
  const edgeNameAt = edgeFields.indexOf("name_or_index");
  const edgeToAt = edgeFields.indexOf("to_node");
  const edgeTypes = meta.edge_types[edgeTypeAt];
  const { nodes, strings, edges } = snapshot;
  const nodeCount = nodes.length / width;
  const firstEdge = new Uint32Array(nodeCount + 1);
  for (let n = 0; n < nodeCount; n++) {
    firstEdge[n + 1] = firstEdge[n] + nodes[n * width + edgeCountAt] * edgeWidth;
  }
  /** The node (index into `nodes`) that `from`'s edge named `name` points at. */
  const edgeTo = (from, name) => {
    const n = from / width;
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += edgeWidth) {
      const type = edgeTypes[edges[e + edgeTypeAt]];
      if (type === "element" || type === "hidden") continue;
      if (strings[edges[e + edgeNameAt]] === name) return edges[e + edgeToAt];
    }
    return undefined;
  };
  const scriptName = new Map();
  /** The line of each closure that has one (`locations`). */
  const lineOf = new Map();
  const locationFields = meta.location_fields ?? [];
  const locations = snapshot.locations ?? [];
  const lw = locationFields.length;
  for (let i = 0; lw > 0 && i < locations.length; i += lw) {
    const node = locations[i + locationFields.indexOf("object_index")];
    lineOf.set(node, locations[i + locationFields.indexOf("line")] + 1);
  }
  /** "file:line" of a closure: closure → shared function info → script (named by its URL). */
  const where = (closure) => {
    const shared = edgeTo(closure, "shared");
    const script = shared === undefined ? undefined : edgeTo(shared, "script_or_debug_info");
    let file = "?";
    if (script !== undefined) {
      file = scriptName.get(script);
      if (file === undefined) {
        file = shortScript(strings[nodes[script + nameAt]]);
        scriptName.set(script, file);
      }
    }
    return `${file}:${lineOf.get(closure) ?? "?"}`;
  };
  const totals = new Map();
  const add = (key, bytes) => {
    const entry = totals.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += bytes;
    totals.set(key, entry);
  };
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    // Strings and numbers are named by their content: grouped by type only.
    const name =
      type === "object" || type === "closure" || type === "native" || type === "hidden"
        ? strings[nodes[i + nameAt]]
        : "";
    const size = nodes[i + sizeAt];
    add(`${type}:${name.length > 60 ? `${name.slice(0, 57)}...` : name}`, size);
    if (type === "closure") {
      // The closure and the context it keeps (shared by its siblings: counted with each).
      const context = edgeTo(i, "context");
      const contextSize = context === undefined ? 0 : nodes[context + sizeAt];
      add(`@ ${name || "(anonymous)"} ${where(i)}`, size + contextSize);
    }
  }
  return totals;
}

/**
 * The `top` biggest growths from `before` to `after`, per stream (bytes and objects), and the
 * `top` biggest closure sites ("@ name file:line": closure + its context's bytes).
 */
export async function heapDiff(beforePath, afterPath, streams, top = 25) {
  const [before, after] = await Promise.all([
    heapByConstructor(beforePath),
    heapByConstructor(afterPath),
  ]);
  const rows = [];
  const closures = [];
  let total = 0;
  for (const [key, entry] of after) {
    const was = before.get(key) ?? { count: 0, bytes: 0 };
    const bytes = entry.bytes - was.bytes;
    const row = {
      what: key,
      bytesPerStream: Math.round(bytes / streams),
      objectsPerStream: Math.round(((entry.count - was.count) / streams) * 10) / 10,
    };
    if (key.startsWith("@ ")) closures.push(row);
    else {
      total += bytes;
      rows.push(row);
    }
  }
  rows.sort((a, b) => b.bytesPerStream - a.bytesPerStream);
  closures.sort((a, b) => b.bytesPerStream - a.bytesPerStream);
  return {
    heapBytesPerStream: Math.round(total / streams),
    top: rows.slice(0, top),
    closures: closures.slice(0, top),
  };
}

/** The ids of a snapshot's objects: an object in `after` whose id is not here is new. */
async function idsOf(path) {
  const snapshot = JSON.parse(await readFile(path, "utf8"));
  const fields = snapshot.snapshot.meta.node_fields;
  const idAt = fields.indexOf("id");
  const ids = new Set();
  for (let i = idAt; i < snapshot.nodes.length; i += fields.length) ids.add(snapshot.nodes[i]);
  return ids;
}

/**
 * The objects new in `after` whose "type:name" starts with one of `prefixes`, grouped by their
 * retainer path `depth` levels up (the first strong retainer at each level; closures named by
 * where they are written), biggest first: [{what, bytesPerStream, objectsPerStream}].
 */
export async function newObjectsByRetainer(beforePath, afterPath, streams, prefixes, depth = 3) {
  const old = await idsOf(beforePath);
  const snapshot = JSON.parse(await readFile(afterPath, "utf8"));
  const meta = snapshot.snapshot.meta;
  const width = meta.node_fields.length;
  const [typeAt, nameAt, idAt, sizeAt, edgeCountAt] = [
    "type",
    "name",
    "id",
    "self_size",
    "edge_count",
  ].map((f) => meta.node_fields.indexOf(f));
  const types = meta.node_types[typeAt];
  const edgeWidth = meta.edge_fields.length;
  const [edgeTypeAt, edgeNameAt, edgeToAt] = ["type", "name_or_index", "to_node"].map((f) =>
    meta.edge_fields.indexOf(f),
  );
  const edgeTypes = meta.edge_types[edgeTypeAt];
  const { nodes, edges, strings } = snapshot;
  const count = nodes.length / width;
  // The first strong retainer of each node and the edge's label (-1: none).
  const retainer = new Int32Array(count).fill(-1);
  const label = new Array(count);
  for (let n = 0, e = 0; n < count; n++) {
    for (let k = nodes[n * width + edgeCountAt]; k > 0; k--, e += edgeWidth) {
      const type = edgeTypes[edges[e + edgeTypeAt]];
      const to = edges[e + edgeToAt] / width;
      if (type === "weak" || retainer[to] >= 0) continue;
      retainer[to] = n;
      label[to] =
        type === "element" || type === "hidden" ? `[${type}]` : strings[edges[e + edgeNameAt]];
    }
  }
  const kind = (n) =>
    `${types[nodes[n * width + typeAt]]}:${String(strings[nodes[n * width + nameAt]]).slice(0, 40)}`;
  const groups = new Map();
  for (let n = 0; n < count; n++) {
    const what = kind(n);
    if (old.has(nodes[n * width + idAt]) || !prefixes.some((p) => what.startsWith(p))) continue;
    let path =
      what.startsWith("string:") || what.startsWith("concatenated") ? what.split(":")[0] : what;
    for (let at = n, d = 0; d < depth && retainer[at] >= 0; d++, at = retainer[at]) {
      path += ` <-${label[at]}- ${kind(retainer[at])}`;
    }
    const group = groups.get(path) ?? { count: 0, bytes: 0 };
    group.count++;
    group.bytes += nodes[n * width + sizeAt];
    groups.set(path, group);
  }
  return [...groups]
    .map(([what, g]) => ({
      what,
      bytesPerStream: Math.round(g.bytes / streams),
      objectsPerStream: Math.round((g.count / streams) * 10) / 10,
    }))
    .sort((a, b) => b.bytesPerStream - a.bytesPerStream);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [beforePath, afterPath, streams = "1", flag, prefixes, depth] = process.argv.slice(2);
  if (flag === "--retainers" && beforePath && afterPath && prefixes) {
    const rows = await newObjectsByRetainer(
      beforePath,
      afterPath,
      Number(streams),
      prefixes.split(","),
      Number(depth ?? 3),
    );
    for (const row of rows.filter((r) => r.objectsPerStream >= 0.3).slice(0, 60)) {
      console.log(
        `${String(row.bytesPerStream).padStart(8)} B  ${String(row.objectsPerStream).padStart(6)}×  ${row.what}`,
      );
    }
    process.exit(0);
  }
  if (!beforePath || !afterPath) {
    console.error(
      "usage: heap-diff.mjs before.heapsnapshot after.heapsnapshot streams [--retainers type:name,… [depth]]",
    );
    process.exit(2);
  }
  const diff = await heapDiff(beforePath, afterPath, Number(streams), 40);
  const print = (row) =>
    console.log(
      `${String(row.bytesPerStream).padStart(8)} B  ${String(row.objectsPerStream).padStart(6)}×  ${row.what}`,
    );
  console.log(`heap growth per stream: ${diff.heapBytesPerStream} bytes`);
  diff.top.forEach(print);
  console.log("closures by where they are written (closure + its context):");
  diff.closures.forEach(print);
}
