#!/usr/bin/env bash
# Runs a command as a newcomer's machine would see it: no bubblewrap, Docker, Chromium, tmux or
# PostgreSQL tools, and no test database. Needs root (a private mount namespace hides each binary
# under /dev/null; nothing outside this command is touched). Example:
#   bash scripts/without-services.sh npm test
set -euo pipefail
exec unshare --mount --propagation private bash -c '
for f in /usr/bin/bwrap /usr/local/bin/bwrap /usr/bin/docker /usr/local/bin/docker /run/docker.sock \
         /usr/bin/chromium /usr/bin/tmux /usr/bin/pg_createcluster; do
  if [ -e "$f" ]; then mount --bind /dev/null "$f"; fi
done
unset SANDCASTER_TEST_DATABASE_URL DOCKER_HOST SANDCASTER_REQUIRE_DOCKER SANDCASTER_REQUIRE_BWRAP \
      SANDCASTER_REQUIRE_POSTGRES SANDCASTER_REQUIRE_CHROMIUM SANDCASTER_REQUIRE_TMUX
exec "$@"' without-services "$@"
