// pino JSON logs to stdout; anything that could hold a key is redacted by path.
import { type Logger, pino } from "pino";

export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? process.env.SANDCASTER_LOG_LEVEL ?? "info",
      base: { service: "sandcaster" },
      redact: {
        paths: [
          "apiKeys",
          "*.apiKeys",
          "headers.authorization",
          "*.headers.authorization",
          "env",
          "*.env",
          "authorization",
        ],
        censor: "[REDACTED]",
      },
    },
    options.destination as pino.DestinationStream | undefined,
  );
}
