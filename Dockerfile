# Sandcaster server image: deps → build → prod-deps → runtime (non-root, only dists and production modules).
# Build: docker build -t sandcaster:latest .    Run: docker run -p 8000:8000 -e ANTHROPIC_API_KEY sandcaster
# Node 26 is the Active LTS line (Node 20 reached end of life in April 2026).
ARG NODE_IMAGE=node:26-bookworm-slim

# ---- base: what every stage shares -----------------------------------------------------------------
FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    TURBO_TELEMETRY_DISABLED=1

# ---- toolchain: compilers for better-sqlite3's native addon (never in the runtime image) ----------
FROM base AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# The npm the lockfile was written with (package.json "packageManager"), so allowScripts applies.
RUN npm install -g npm@11.19.1
# Manifests only: the dependency layers are rebuilt only when these change.
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/runner/package.json packages/runner/
COPY packages/core/package.json packages/core/
COPY packages/testkit/package.json packages/testkit/
COPY packages/sdk/package.json packages/sdk/
COPY apps/api/package.json apps/api/
COPY apps/cli/package.json apps/cli/

# ---- deps: every dependency, dev included (tsc, esbuild, turbo) ------------------------------------
# node-gyp builds against the headers the node image ships in /usr/local/include/node (when present)
# instead of downloading them, should better-sqlite3's prebuilt binary be unavailable.
FROM toolchain AS deps
RUN if [ -f /usr/local/include/node/node.h ]; then export npm_config_nodedir=/usr/local; fi \
  && npm ci

# ---- build: every workspace's dist (turbo orders them by dependency) -------------------------------
FROM deps AS build
COPY tsconfig.base.json turbo.json sandcaster.json ./
COPY packages packages
COPY apps apps
RUN npm run build \
  && test -f packages/runner/dist/runner.mjs \
  && test -f apps/cli/dist/main.js \
  && test -f packages/sdk/dist/index.js

# ---- prod-deps: production dependencies only, native addons compiled here --------------------------
FROM toolchain AS prod-deps
RUN if [ -f /usr/local/include/node/node.h ]; then export npm_config_nodedir=/usr/local; fi \
  && npm ci --omit=dev

# ---- init: tini, so the server is not PID 1 (signals are forwarded, zombies reaped) ---------------
FROM base AS init
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*

# ---- runtime ----------------------------------------------------------------------------------------
FROM base AS runtime
ENV NODE_ENV=production \
    SANDCASTER_DB=/data/sandcaster.db
# node_modules (root and per workspace, with the workspace symlinks), lockfile and package.jsons.
COPY --from=prod-deps /app ./
# Only what runs: the compiled workspaces and the runner bundle that is copied into every sandbox.
COPY --from=build /app/packages/protocol/dist packages/protocol/dist
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/runner/dist packages/runner/dist
# The runner snapshot's builder (the local provider's runnerSnapshot), loaded only when one is built.
COPY --from=build /app/packages/runner/src/boot packages/runner/src/boot
# The CLI's remote commands (runs, sessions) talk to a server through the SDK.
COPY --from=build /app/packages/sdk/dist packages/sdk/dist
COPY --from=build /app/apps/api/dist apps/api/dist
# The web console's static files: the server reads them from apps/api/console at run time.
COPY --from=build /app/apps/api/console apps/api/console
COPY --from=build /app/apps/cli/dist apps/cli/dist
# Server defaults (./sandcaster.json is read when present); mount your own or set SANDCASTER_CONFIG.
COPY sandcaster.json ./
# The static build of tini: needs no library from the base image.
COPY --from=init /usr/bin/tini-static /usr/bin/tini
# Files stay root-owned (read-only to the server); only /data (SQLite fallback store) is writable.
# `sandcaster` on PATH: `docker run IMAGE sandcaster runs` works like the installed CLI.
RUN mkdir -p /data && chown 1000:1000 /data \
  && chmod 0755 apps/cli/dist/main.js \
  && ln -s /app/apps/cli/dist/main.js /usr/local/bin/sandcaster

# uid 1000 is the base image's "node" user; numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini runs as PID 1 (Kubernetes gives the image's ENTRYPOINT the manifest's args, so it is kept there).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "apps/cli/dist/main.js", "serve", "--host", "0.0.0.0", "--port", "8000"]
