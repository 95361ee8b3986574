// Build step: writes sandcaster.json's JSON Schema (from the protocol's zod schema) into dist/,
// where `sandcaster init` points "$schema" so that editors complete and check the file.
import { writeFileSync } from "node:fs";
import { CONFIG_SCHEMA_FILE, configJsonSchema } from "@sandcaster/protocol";

const target = new URL(`../dist/${CONFIG_SCHEMA_FILE}`, import.meta.url);
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
