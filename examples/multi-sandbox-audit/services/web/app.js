// The front end's data access, with the mistakes an audit should find.
const BACKEND = "http://api.internal:8080";

export async function calc(expr) {
  const res = await fetch(`${BACKEND}/calc?expr=${expr}`);
  document.getElementById("out").innerHTML = await res.text();
}
