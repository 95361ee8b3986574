// Build time: lets esbuild drop the protocol schemas the runner never uses. A zod schema is built
// by calls (`z.strictObject(…).refine(…)`) that esbuild must assume have side effects, so every
// schema of every protocol module the runner imports was built on each cold boot, used or not:
// the event, request and server-side schemas (~15 ms CPU of the runner's top level, measured).
// Each top-level `const` of a protocol module whose initializer calls something is wrapped in a
// pure-annotated arrow that is called at once: the same value, built at the same point when it is
// kept, and removable when nothing in the bundle reads it. A schema's construction has no effect
// the runner observes (.describe() records in zod's global registry, which only toJSONSchema of
// that same schema reads, and then the schema is kept).
import { readFile } from "node:fs/promises";
import ts from "typescript";

const PROTOCOL_DIST = /[/\\]packages[/\\]protocol[/\\]dist[/\\][^/\\]+\.js$/;

function callsSomething(node) {
  let found = false;
  const visit = (child) => {
    if (found) return;
    if (ts.isCallExpression(child) || ts.isNewExpression(child)) found = true;
    // A function's body runs when called, not when the const is made.
    else if (!ts.isFunctionLike(child)) ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

/** The module's text with each call-built top-level const made removable when unused. */
export function markSchemasRemovable(text, fileName) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const edits = [];
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (!(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const init = declaration.initializer;
      if (!init || !ts.isIdentifier(declaration.name) || !callsSomething(init)) continue;
      edits.push([init.getStart(source), init.getEnd()]);
    }
  }
  let out = text;
  for (const [start, end] of edits.reverse())
    out = `${out.slice(0, start)}/* @__PURE__ */ (() => (${out.slice(start, end)}))()${out.slice(end)}`;
  return out;
}

/** The esbuild plugin: applies markSchemasRemovable to @sandcaster/protocol's built modules. */
export const unusedSchemasRemovable = {
  name: "unused-schemas-removable",
  setup(bundle) {
    bundle.onLoad({ filter: PROTOCOL_DIST }, async (args) => {
      const text = await readFile(args.path, "utf8");
      return { contents: markSchemasRemovable(text, args.path), loader: "js" };
    });
  },
};
