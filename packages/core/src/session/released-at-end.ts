// A stream that runs a callback once when it ends, fails or is cancelled (a hold kept while streaming).

export function releasedAtEnd(
  stream: ReadableStream<Uint8Array>,
  release: () => Promise<unknown>,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let released: Promise<unknown> | undefined;
  const once = () => {
    released ??= release();
    return released;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            await once();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          await once();
          throw error;
        }
      },
      async cancel(reason) {
        try {
          await reader.cancel(reason);
        } finally {
          await once();
        }
      },
    },
    { highWaterMark: 0 },
  );
}
