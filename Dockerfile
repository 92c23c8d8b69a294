# syntax=docker/dockerfile:1
# The SalesBinder GraphQL gateway. Build: docker build -t salesbinder-gateway .
# Run:   docker run -p 4000:4000 -e SALESBINDER_URL=https://acme.salesbinder.com salesbinder-gateway
#        (metrics on 9464: publish that port only where Prometheus scrapes)
# Every variable of docs/configuration.md may be set with -e.

# The base, pinned by digest (the multi-platform index of node:24-slim), so that a rebuild gets the
# same Node and Debian until the pin is moved on purpose: docs/operations.md says how to refresh it.
ARG NODE_IMAGE=node:24-slim@sha256:a9f5f7c91a432850b2a8a7797adf5eadb6c733ceed61167806cee7ea7fbc29df

# --- Stage 1: production dependencies only (no TypeScript build: Node 24 runs the .ts sources) ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The same lockfile install CI runs, less the devDependencies and the client workspace (a frontend
# package, not the server's); no install scripts are needed.
RUN npm ci --omit=dev --workspaces=false --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- Stage 2: the runtime ---
FROM ${NODE_IMAGE}
# tini as PID 1: forwards SIGTERM to Node (which drains gracefully) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.* \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=4000 \
    METRICS_PORT=9464 \
    HOST=0.0.0.0
WORKDIR /app
# Code and dependencies belong to root and are read-only to the user that runs them, so the process
# cannot rewrite its own code. Only what runs is copied: package.json (the version) and src/ without
# the sandbox (.dockerignore leaves it out: the image refuses to start without a SalesBinder).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
# The image's own non-root user (uid 1000), never root.
USER node
# The API, and Prometheus metrics on a listener of their own (publish it only to the scraper).
EXPOSE 4000 9464
# Liveness: /health answers 200 while the process serves (readiness, for load balancers, is /ready).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# The command `npm start` runs.
CMD ["node", "src/server.ts"]
