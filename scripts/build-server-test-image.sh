#!/usr/bin/env bash
# Builds the server image's runtime stage OFFLINE, for tests of the image's commands: the production
# Dockerfile's base and runtime stages as written, except that the base is a rootfs of this host's
# node (no Docker Hub) and each `COPY --from=<stage>` takes its files from this built worktree.
# A file the runtime stage forgets to copy (say packages/sdk) is missing here too.
#
# Usage: scripts/build-server-test-image.sh [--tag NAME:TAG]   (default sandcaster-server:test)
# Needs: `npm run build` done, bash, GNU tar, ldd, npm, a docker client that reaches a daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG="sandcaster-server:test"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tag)
      TAG="${2:?--tag needs a value}"
      shift
      ;;
    -h | --help)
      sed -n '2,9p' "$0"
      exit 0
      ;;
    *)
      echo "build-server-test-image: unknown argument: $1" >&2
      exit 2
      ;;
  esac
  shift
done
DOCKER="${DOCKER:-docker}"
for built in apps/cli/dist/main.js packages/runner/dist/runner.mjs apps/api/dist/index.js; do
  [[ -f "$built" ]] || { echo "build-server-test-image: $built missing: run npm run build" >&2; exit 1; }
done

START_SECONDS=$SECONDS
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sandcaster-server-image.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/root"
CTX="$WORK/context"
mkdir -p "$ROOT"/usr/{bin,lib,lib64,local/bin} "$ROOT"/{etc,dev,proc,sys,tmp,home/node} "$CTX"
ln -s usr/bin "$ROOT/bin"
ln -s usr/lib "$ROOT/lib"
ln -s usr/lib64 "$ROOT/lib64"
chmod 1777 "$ROOT/tmp"

# ---- the base: this host's node and the few tools the Dockerfile's RUN lines use ----------------
copy_libs() {
  local line lib
  while IFS= read -r line; do
    lib=""
    if [[ "$line" =~ \=\>\ (/[^ ]+)\ \( ]]; then lib="${BASH_REMATCH[1]}"
    elif [[ "$line" =~ ^[[:space:]]*(/[^ ]+)\ \( ]]; then lib="${BASH_REMATCH[1]}"; fi
    if [[ -n "$lib" && ! -e "$ROOT$lib" ]]; then
      mkdir -p "$(dirname "$ROOT$lib")"
      cp -L "$lib" "$ROOT$lib"
    fi
  done < <(ldd "$1" 2>/dev/null || true)
}
for tool in node sh env mkdir chown chmod ln cat; do
  path="$(readlink -f "$(type -P "$tool")")"
  cp -L "$path" "$ROOT/usr/bin/$tool"
  copy_libs "$path"
done
for dir in /lib /usr/lib /lib/*-linux-gnu /usr/lib/*-linux-gnu; do
  for module in "$dir"/libnss_files.so.2; do
    [[ -e "$module" && ! -e "$ROOT$module" ]] && mkdir -p "$(dirname "$ROOT$module")" && cp -L "$module" "$ROOT$module"
  done
done
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$ROOT/etc/group"
BASE="${TAG%:*}-base:${TAG##*:}"
tar --numeric-owner --owner=0 --group=0 -C "$ROOT" -cf "$WORK/base.tar" .
"$DOCKER" import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' "$WORK/base.tar" "$BASE" >/dev/null

# ---- the stages' outputs, from this worktree ------------------------------------------------------
# prod-deps (/app after `npm ci --omit=dev`): manifests, and the production packages of node_modules.
mkdir -p "$CTX/prod-deps"
cp package.json package-lock.json "$CTX/prod-deps/"
for manifest in packages/*/package.json apps/*/package.json; do
  mkdir -p "$CTX/prod-deps/$(dirname "$manifest")"
  cp "$manifest" "$CTX/prod-deps/$manifest"
done
# Every installed production package, by npm's own reckoning, and the workspace links.
# npm nests a package under its workspace (packages/core/node_modules/…) when it cannot hoist it.
npm ls --omit=dev --all --parseable 2>/dev/null | sed "s#^$PWD/##" |
  grep -E '^((packages|apps)/[^/]+/)?node_modules/' | sort -u >"$WORK/packages.txt"
mkdir -p "$CTX/prod-deps/node_modules"
# Nested node_modules come along with their parent package.
grep -vE '^((packages|apps)/[^/]+/)?node_modules/.*/node_modules/' "$WORK/packages.txt" |
  tar -C . -cf - -T - | tar -C "$CTX/prod-deps" -xf -
cp -a node_modules/@sandcaster "$CTX/prod-deps/node_modules/"
# build (/app after `npm run build`) and init (tini): only what the runtime stage names is copied.
mkdir -p "$CTX/build" "$CTX/init/usr/bin"
cp /usr/bin/tini-static "$CTX/init/usr/bin/tini-static" 2>/dev/null ||
  { echo "build-server-test-image: /usr/bin/tini-static missing (apt-get install tini)" >&2; exit 1; }
cp sandcaster.json "$CTX/"

# ---- the Dockerfile: the production base and runtime stages, their COPY --from lines re-pointed ----
{
  echo "FROM $BASE AS base"
  # The base stage's lines (WORKDIR, ENV) and the whole runtime stage, as the production file has them.
  awk '/^FROM .* AS base/{on=1; next} /^FROM /{on=0} on' Dockerfile
  echo "FROM base AS runtime"
  awk '/^FROM base AS runtime/{on=1; next} /^FROM /{on=0} on' Dockerfile
} | sed -E 's#^COPY --from=([a-z-]+) /app/?#COPY \1/#; s#^COPY --from=([a-z-]+) /#COPY \1/#' >"$CTX/Dockerfile"
# The build stage's outputs that the runtime stage copies: exactly those paths.
grep -oE '^COPY build/[^ ]+' "$CTX/Dockerfile" | sed 's#^COPY build/##' | while read -r path; do
  [[ -e "$path" ]] || { echo "build-server-test-image: $path is not built" >&2; exit 1; }
  mkdir -p "$CTX/build/$(dirname "$path")"
  cp -a "$path" "$CTX/build/$path"
done
"$DOCKER" build -q -t "$TAG" "$CTX" >/dev/null
"$DOCKER" image rm "$BASE" >/dev/null 2>&1 || true
echo "build-server-test-image: built $TAG in $((SECONDS - START_SECONDS)) s"
