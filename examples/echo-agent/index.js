// An example custom agent: reads the prompt from stdin (until EOF), writes its answer to stdout.
// "fail ..." exits 3 with a message on stderr; "secret" reports a digest of EXAMPLE_TOKEN (so a
// test can check the agent got it without printing it); "leak" prints the token itself (the
// server must redact it from every event and record); "env" lists its environment's names;
// "hang" never ends (the server's timeout must stop it).
import { createHash } from "node:crypto";
import { shout } from "shout";

let prompt = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  prompt += chunk;
});
process.stdin.on("end", () => {
  const token = process.env.EXAMPLE_TOKEN ?? "";
  if (prompt.startsWith("fail")) {
    process.stderr.write(`echo-agent: asked to fail (${prompt.trim()})\n`);
    process.exit(3);
  }
  if (prompt.startsWith("secret")) {
    const digest = createHash("sha256").update(token).digest("hex");
    process.stdout.write(`token set: ${token !== ""}; sha256: ${digest}\n`);
    return;
  }
  if (prompt.startsWith("env")) {
    process.stdout.write(`${Object.keys(process.env).sort().join(",")}\n`);
    return;
  }
  if (prompt.startsWith("hang")) {
    process.stdout.write("hanging\n");
    setInterval(() => undefined, 1000);
    return;
  }
  if (prompt.startsWith("leak")) {
    process.stdout.write(`the token is ${token}\n`);
    process.stderr.write(`stderr also has ${token}\n`);
    return;
  }
  process.stdout.write(`${shout(prompt)}\n`);
});
