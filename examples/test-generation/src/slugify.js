// Turns a title into a URL slug: "Hello, World!" → "hello-world".

/** Lower case, accents dropped, runs of anything but a-z and 0-9 become one "-", none at the ends. */
export function slugify(title, { maxLength = 60 } = {}) {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug.slice(0, maxLength).replace(/-+$/, "");
}
