// The outside services this package's tests use: one line for each one missing, a failure when
// CI requires it (SANDCASTER_REQUIRE_<SERVICE>=1). Test files ask hasService().
import { servicesSetup } from "@sandcaster/testkit/services-setup";

export default servicesSetup(["docker"]);
