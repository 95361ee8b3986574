// Where a server's per-stream memory goes: two V8 heap snapshots (before and with N open streams)
// summed by constructor (type + name), their difference divided by N, biggest first. Used by the
// bench's `streams` phase with SANDCASTER_BENCH_HEAP=1; also runnable by hand:
//   node scripts/bench/heap-diff.mjs before.heapsnapshot after.heapsnapshot 10000
import { readFile } from "node:fs/promises";

/** {"type:name": {count, bytes}} of one snapshot file. */
export async function heapByConstructor(path) {
  const snapshot = JSON.parse(await readFile(path, "utf8"));
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const types = meta.node_types[typeAt];
  const { nodes, strings } = snapshot;
  const totals = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    // Strings and numbers are named by their content: grouped by type only.
    const name =
      type === "object" || type === "closure" || type === "native" || type === "hidden"
        ? strings[nodes[i + nameAt]]
        : "";
    const key = `${type}:${name.length > 60 ? `${name.slice(0, 57)}...` : name}`;
    const entry = totals.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += nodes[i + sizeAt];
    totals.set(key, entry);
  }
  return totals;
}

/** The `top` biggest growths from `before` to `after`, per stream (bytes and objects). */
export async function heapDiff(beforePath, afterPath, streams, top = 25) {
  const [before, after] = await Promise.all([
    heapByConstructor(beforePath),
    heapByConstructor(afterPath),
  ]);
  const rows = [];
  let total = 0;
  for (const [key, entry] of after) {
    const was = before.get(key) ?? { count: 0, bytes: 0 };
    const bytes = entry.bytes - was.bytes;
    total += bytes;
    rows.push({
      what: key,
      bytesPerStream: Math.round(bytes / streams),
      objectsPerStream: Math.round(((entry.count - was.count) / streams) * 10) / 10,
    });
  }
  rows.sort((a, b) => b.bytesPerStream - a.bytesPerStream);
  return { heapBytesPerStream: Math.round(total / streams), top: rows.slice(0, top) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [beforePath, afterPath, streams = "1"] = process.argv.slice(2);
  if (!beforePath || !afterPath) {
    console.error("usage: heap-diff.mjs before.heapsnapshot after.heapsnapshot streams");
    process.exit(2);
  }
  const diff = await heapDiff(beforePath, afterPath, Number(streams), 40);
  console.log(`heap growth per stream: ${diff.heapBytesPerStream} bytes`);
  for (const row of diff.top)
    console.log(
      `${String(row.bytesPerStream).padStart(8)} B  ${String(row.objectsPerStream).padStart(6)}×  ${row.what}`,
    );
}
