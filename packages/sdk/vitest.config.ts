import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Docker and process-count assertions must not see another file's sandboxes.
    fileParallelism: false,
    globalSetup: ["./vitest.setup.ts"],
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
  },
});
