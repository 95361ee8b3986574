// The services this package's tests use (see src/services): the E2B double runs commands in bwrap.
import { servicesSetup } from "./src/services/setup.js";

export default servicesSetup(["bwrap"]);
