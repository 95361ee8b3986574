// The OTLP receiver double in a process of its own, so decoding exports does not delay the bench
// client's clock. IPC: → {type: "ready", url}; ← {type: "count", name} → {type: "count", n, total};
// ← {type: "close"} → exits.
import { startOtlpReceiver } from "@sandcaster/testkit";

const receiver = await startOtlpReceiver();
process.on("message", async (message) => {
  if (message?.type === "count") {
    const n = receiver.spans.filter((span) => span.name === message.name).length;
    process.send({ type: "count", n, total: receiver.spans.length, rejected: receiver.rejected });
  } else if (message?.type === "close") {
    await receiver.close();
    process.exit(0);
  }
});
process.send({ type: "ready", url: receiver.url });
