# Sandcaster sandbox image: node 20 plus the tools coding agents expect, run as non-root uid 1000.
# Build: `sandcaster image build` (or: docker build -f docker/sandbox.Dockerfile -t sandcaster-sandbox:latest docker)
FROM node:20-bookworm-slim

RUN apt-get update \
  && apt-get install -y --no-install-recommends bash ca-certificates curl git python3 \
  && rm -rf /var/lib/apt/lists/*

# The base image's "node" user owns uid/gid 1000: replace it with "sandcaster".
RUN userdel --remove node \
  && if getent group node >/dev/null; then groupdel node; fi \
  && groupadd --gid 1000 sandcaster \
  && useradd --uid 1000 --gid 1000 --create-home --shell /bin/bash sandcaster \
  && mkdir -p /workspace /opt/sandcaster \
  && chown sandcaster:sandcaster /workspace /opt/sandcaster

USER sandcaster
WORKDIR /workspace

# The provider sets its own entrypoint (node) and command; these defaults are for manual use.
ENTRYPOINT []
CMD ["bash"]
