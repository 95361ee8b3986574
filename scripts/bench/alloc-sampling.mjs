// Where a server allocates, garbage included: preload this into a bench server with
//   SANDCASTER_BENCH_NODE_OPTIONS="--import ./scripts/bench/alloc-sampling.mjs"
// and send that server SIGUSR2 (e.g. once its streams are open): it writes the sampling heap
// profile since its start, objects the GC already collected included, to
// $SANDCASTER_ALLOC_DIR (default the temp dir) as alloc-<pid>.heapprofile. Node's own --heap-prof
// keeps only what is still alive, which says nothing about what a burst of runs throws away (what
// grows the heap's peak). `node scripts/bench/alloc-sites.mjs <file>` sums it by allocating frame
// and by the nearest frame of our own code.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { tmpdir } from "node:os";
import { join } from "node:path";

const session = new Session();
session.connect();
session.post("HeapProfiler.enable");
session.post("HeapProfiler.startSampling", {
  samplingInterval: 32 * 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
process.on("SIGUSR2", () => {
  session.post("HeapProfiler.stopSampling", (error, result) => {
    if (error) {
      console.error(`alloc sampling: ${error.message}`);
      return;
    }
    const file = join(
      process.env.SANDCASTER_ALLOC_DIR ?? tmpdir(),
      `alloc-${process.pid}.heapprofile`,
    );
    writeFileSync(file, JSON.stringify(result.profile));
    console.error(`alloc sampling: written to ${file}`);
  });
});
