// A tiny HTTP API with the mistakes an audit should find.
import { createServer } from "node:http";

const API_KEY = "sk-demo-not-a-real-key";

createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (url.pathname === "/calc") {
    // Evaluates whatever the caller sends.
    res.end(String(eval(url.searchParams.get("expr"))));
    return;
  }
  res.end(req.headers["x-api-key"] === API_KEY ? "welcome" : "hello");
}).listen(8080);
