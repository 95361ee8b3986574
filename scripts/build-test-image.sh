#!/usr/bin/env bash
# Builds the minimal sandbox test image OFFLINE: a rootfs assembled from this host's node, sh and libs.
#
# Usage: scripts/build-test-image.sh [--force] [--tag NAME:TAG]
#   --force   rebuild even when the image already exists
#   --tag     image tag (default: sandcaster-sandbox:test, or $SANDCASTER_TEST_IMAGE)
#
# No registry is needed: the rootfs tarball is fed to `docker import`. Requires bash, GNU tar,
# ldd and a docker client that can reach a daemon. The user-facing image is docker/sandbox.Dockerfile.
set -euo pipefail

TAG="${SANDCASTER_TEST_IMAGE:-sandcaster-sandbox:test}"
FORCE=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) FORCE=1 ;;
    --tag)
      TAG="${2:?--tag needs a value}"
      shift
      ;;
    -h | --help)
      sed -n '2,9p' "$0"
      exit 0
      ;;
    *)
      echo "build-test-image: unknown argument: $1" >&2
      exit 2
      ;;
  esac
  shift
done

DOCKER="${DOCKER:-docker}"

print_size() {
  local bytes
  bytes="$("$DOCKER" image inspect --format '{{.Size}}' "$TAG")"
  echo "build-test-image: $TAG size: $((bytes / 1024 / 1024)) MiB ($bytes bytes)"
}

if [[ "$FORCE" -eq 0 ]] && "$DOCKER" image inspect "$TAG" >/dev/null 2>&1; then
  echo "build-test-image: $TAG already exists (use --force to rebuild)"
  print_size
  exit 0
fi

NODE_BIN="$(command -v node || true)"
if [[ -z "$NODE_BIN" ]]; then
  echo "build-test-image: node not found on PATH" >&2
  exit 1
fi
NODE_BIN="$(readlink -f "$NODE_BIN")"

START_SECONDS=$SECONDS
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sandcaster-rootfs.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/root"   # everything owned by root
OWNED="$WORK/owned" # directories owned by uid/gid 1000
mkdir -p "$ROOT" "$OWNED"

# Merged-/usr layout like current Debian: /bin, /sbin, /lib, /lib64 are symlinks into /usr.
mkdir -p "$ROOT"/usr/{bin,sbin,lib,lib64,local/bin} "$ROOT"/{etc,dev,proc,sys,opt,root,home,run,var/tmp}
ln -s usr/bin "$ROOT/bin"
ln -s usr/sbin "$ROOT/sbin"
ln -s usr/lib "$ROOT/lib"
ln -s usr/lib64 "$ROOT/lib64"
mkdir -p "$ROOT/tmp"
chmod 1777 "$ROOT/tmp" "$ROOT/var/tmp"
chmod 0700 "$ROOT/root"

# Copies a file to the same absolute path inside the rootfs, dereferencing symlinks.
copy_file() {
  local src="$1" dest="$ROOT$2"
  mkdir -p "$(dirname "$dest")"
  cp -L "$src" "$dest"
}

# Copies the shared libraries (and the dynamic loader) an executable needs.
copy_libs() {
  local bin="$1" line lib
  # Static binaries make ldd exit non-zero: nothing to copy then.
  while IFS= read -r line; do
    lib=""
    if [[ "$line" =~ \=\>\ (/[^ ]+)\ \( ]]; then
      lib="${BASH_REMATCH[1]}"
    elif [[ "$line" =~ ^[[:space:]]*(/[^ ]+)\ \( ]]; then
      lib="${BASH_REMATCH[1]}"
    fi
    if [[ -n "$lib" && ! -e "$ROOT$lib" ]]; then
      copy_file "$lib" "$lib"
    fi
  done < <(ldd "$bin" 2>/dev/null || true)
}

# An executable: copied into /usr/bin under its name, with its libraries.
copy_bin() {
  local name="$1" dest_name="${2:-$1}" path
  path="$(type -P "$name" || true)"
  if [[ -z "$path" || ! -x "$path" ]]; then
    echo "build-test-image: note: $name not found on this host, skipped" >&2
    return 0
  fi
  path="$(readlink -f "$path")"
  cp -L "$path" "$ROOT/usr/bin/$dest_name"
  copy_libs "$path"
}

copy_bin node
copy_bin sh
copy_bin bash
for tool in cat ls sleep id env kill mkdir rm cp mv touch chmod head tail wc grep setsid; do
  copy_bin "$tool"
done

# NSS modules for user and DNS lookups (built into libc since glibc 2.34, separate before).
for dir in /lib /usr/lib /lib64 /usr/lib64 /lib/*-linux-gnu /usr/lib/*-linux-gnu; do
  for module in "$dir"/libnss_files.so.2 "$dir"/libnss_dns.so.2 "$dir"/libresolv.so.2; do
    if [[ -e "$module" && ! -e "$ROOT$module" ]]; then
      copy_file "$module" "$module"
    fi
  done
done

cat >"$ROOT/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
sandcaster:x:1000:1000:sandcaster:/home/sandcaster:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$ROOT/etc/group" <<'EOF'
root:x:0:
sandcaster:x:1000:
nogroup:x:65534:
EOF
cat >"$ROOT/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
: >"$ROOT/etc/hosts"
: >"$ROOT/etc/resolv.conf"
echo sandbox >"$ROOT/etc/hostname"

# CA certificates, so HTTPS works for tools that use the system store.
mkdir -p "$ROOT/etc/ssl/certs"
if [[ -e /etc/ssl/certs/ca-certificates.crt ]]; then
  cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
else
  echo "build-test-image: warning: /etc/ssl/certs/ca-certificates.crt missing on host" >&2
fi

# OpenSSL's default locations (used by distro-built node, curl, git) point at the same bundle.
mkdir -p "$ROOT/usr/lib/ssl"
ln -s /etc/ssl/certs "$ROOT/usr/lib/ssl/certs"
ln -s /etc/ssl/certs/ca-certificates.crt "$ROOT/usr/lib/ssl/cert.pem"
if [[ -e /usr/lib/ssl/openssl.cnf ]]; then
  cp -L /usr/lib/ssl/openssl.cnf "$ROOT/usr/lib/ssl/openssl.cnf"
fi

# A loader cache (optional: the copied libraries sit in the loader's default directories anyway).
LDCONFIG="$(PATH="$PATH:/sbin:/usr/sbin" type -P ldconfig || true)"
if [[ -n "$LDCONFIG" && "${SANDCASTER_NO_LDCONFIG:-0}" != 1 ]]; then
  "$LDCONFIG" -r "$ROOT" 2>/dev/null || true
fi

mkdir -p "$OWNED/workspace" "$OWNED/opt/sandcaster" "$OWNED/home/sandcaster"
chmod 0755 "$OWNED/workspace" "$OWNED/opt/sandcaster" "$OWNED/home/sandcaster"

PREVIOUS_ID="$("$DOCKER" image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)"
TARBALL="$WORK/rootfs.tar"
tar --numeric-owner --owner=0 --group=0 -C "$ROOT" -cf "$TARBALL" .
tar --numeric-owner --owner=1000 --group=1000 -C "$OWNED" -rf "$TARBALL" \
  ./workspace ./opt/sandcaster ./home/sandcaster

"$DOCKER" import \
  --change 'USER 1000:1000' \
  --change 'WORKDIR /workspace' \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  --message "sandcaster test sandbox (node $("$NODE_BIN" --version))" \
  "$TARBALL" "$TAG" >/dev/null

# A rebuild leaves the previous image untagged: drop it unless something still uses it.
if [[ -n "$PREVIOUS_ID" && "$PREVIOUS_ID" != "$("$DOCKER" image inspect --format '{{.Id}}' "$TAG")" ]]; then
  "$DOCKER" image rm "$PREVIOUS_ID" >/dev/null 2>&1 || true
fi

echo "build-test-image: built $TAG in $((SECONDS - START_SECONDS)) s"
print_size
