// sandcaster.json as a JSON Schema, made from the zod schema the loader checks it with, so that
// editors complete and check the same rules the server applies (written to a file at build time).
import * as z from "zod";
import { SandcasterConfigSchema } from "./config.js";

/** The file name the schema is shipped under (in @sandcaster/cli's dist). */
export const CONFIG_SCHEMA_FILE = "sandcaster.schema.json";

/** What a config file may say: the input side (defaults optional), JSON Schema draft 2020-12. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SandcasterConfigSchema, { io: "input", unrepresentable: "any" });
  return {
    ...schema,
    title: "sandcaster.json",
    description:
      "Defaults for every Sandcaster run (a request's own fields win) and the server's settings. Unknown keys stop the server with their path named.",
  };
}
