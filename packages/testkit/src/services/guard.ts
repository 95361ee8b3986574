// What test files ask: may I use this service? (The verdict comes from servicesSetup.)
import { inject } from "vitest";
import type { Service } from "./catalog.js";
import type {} from "./setup.js";

/** Whether `service` is there; throws when the package's vitest config does not probe it. */
export function hasService(service: Service): boolean {
  const verdict = inject("sandcasterServices")?.[service];
  if (verdict === undefined) {
    throw new Error(
      `no verdict for ${service}: add it to servicesSetup([...]) in this package's vitest globalSetup`,
    );
  }
  return verdict;
}
