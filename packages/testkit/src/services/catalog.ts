// The outside services some tests need: what each is, how to get it, and the CI switch that requires it.

export type Service = "bwrap" | "docker" | "postgres" | "chromium" | "tmux";

export interface ServiceInfo {
  /** What the tests lose without it, in a few words. */
  name: string;
  /** How a newcomer gets it (Debian/Ubuntu). */
  install: string;
  /** Set to 1 (CI does) and a missing service fails the suite instead of skipping. */
  requireEnv: string;
}

export const SERVICES: Record<Service, ServiceInfo> = {
  bwrap: {
    name: "bubblewrap",
    install: "apt-get install bubblewrap",
    requireEnv: "SANDCASTER_REQUIRE_BWRAP",
  },
  docker: {
    name: "Docker",
    install: "apt-get install docker.io, start dockerd (or set DOCKER_HOST)",
    requireEnv: "SANDCASTER_REQUIRE_DOCKER",
  },
  postgres: {
    name: "PostgreSQL",
    install:
      "apt-get install postgresql, then SANDCASTER_TEST_DATABASE_URL=$(bash scripts/start-postgres.sh)",
    requireEnv: "SANDCASTER_REQUIRE_POSTGRES",
  },
  chromium: {
    name: "Chromium",
    install: "apt-get install chromium",
    requireEnv: "SANDCASTER_REQUIRE_CHROMIUM",
  },
  tmux: { name: "tmux", install: "apt-get install tmux", requireEnv: "SANDCASTER_REQUIRE_TMUX" },
};

/**
 * Services a test run pretends are missing: SANDCASTER_TEST_HIDE=bwrap,docker. Only for checking
 * that the suite skips cleanly; the real check hides the binaries (scripts/without-services.sh).
 */
export function hiddenByEnv(service: Service): boolean {
  const hidden = (process.env.SANDCASTER_TEST_HIDE ?? "").split(",").map((s) => s.trim());
  return hidden.includes(service);
}

export function required(service: Service): boolean {
  return process.env[SERVICES[service].requireEnv] === "1";
}

/** The one line printed for a missing service. */
export function skipLine(service: Service, why: string): string {
  const info = SERVICES[service];
  return `skipping the ${info.name} tests: ${why} (${info.install}; ${info.requireEnv}=1 makes this a failure)`;
}
