// A vitest globalSetup: probes the services a package's tests use, once, before any test file.
import type { TestProject } from "vitest/node";
import { required, SERVICES, type Service, skipLine } from "./catalog.js";
import { serviceMissing } from "./detect.js";

export type ServiceVerdicts = Partial<Record<Service, boolean>>;

declare module "vitest" {
  export interface ProvidedContext {
    sandcasterServices: ServiceVerdicts;
  }
}

/**
 * Prints one line per missing service (or fails when CI requires it) and hands the verdicts to
 * every test file (see hasService). Use as `export default servicesSetup(["docker", …])`.
 */
export function servicesSetup(services: Service[]) {
  return async function probeServices(project: TestProject): Promise<void> {
    const verdicts: ServiceVerdicts = {};
    const problems: string[] = [];
    for (const service of services) {
      const why = await serviceMissing(service);
      verdicts[service] = why === null;
      if (why === null) continue;
      if (required(service)) {
        problems.push(
          `${SERVICES[service].requireEnv}=1 but ${SERVICES[service].name} is unavailable: ${why}`,
        );
      } else {
        console.log(skipLine(service, why));
      }
    }
    if (problems.length > 0) throw new Error(problems.join("\n"));
    project.provide("sandcasterServices", verdicts);
  };
}
