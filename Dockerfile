# syntax=docker/dockerfile:1
# The SalesBinder GraphQL gateway. Build: docker build -t salesbinder-gateway .
# Run:   docker run -p 4000:4000 -e SALESBINDER_URL=https://acme.salesbinder.com salesbinder-gateway
#        (metrics on 9464: publish that port only where Prometheus scrapes)
# Every variable of docs/configuration.md's table may be set with -e.

# --- Stage 1: production dependencies only (no TypeScript build: Node 24 runs the .ts sources) ---
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The same lockfile install CI runs, less the devDependencies; no install scripts are needed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- Stage 2: the runtime ---
FROM node:24-slim
# tini as PID 1: forwards SIGTERM to Node (which drains gracefully) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.* \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=4000 \
    METRICS_PORT=9464 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json ./
COPY --chown=node:node src ./src
COPY --chown=node:node schema ./schema
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
