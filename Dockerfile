# The elk-coordinator image: one image for coordinator nodes and workers (docker-compose.yml).
#   build stage:   npm ci (with dev dependencies) and `npm run build` (tsc → dist/)
#   runtime stage: dist/, production node_modules, package.json and the example processors
# Run a node:   docker run … elk-coordinator node --id n1 --listen 0.0.0.0:7101 …
# Run a worker: docker run … elk-coordinator worker --processor examples/steady/processor.js …

FROM node:24-slim AS build
WORKDIR /app
# Node 24 (active LTS) in both stages: the native addons built here (better-sqlite3 against this
# Node's ABI) run on the same Node. classic-level and msgpackr-extract ship Node-API prebuilds;
# the toolchain builds better-sqlite3 when no prebuilt binary can be fetched.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY examples/steady ./examples/steady
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# 7101: HTTP API, peer links and /metrics of a node; 9464: a worker's --metrics-listen.
EXPOSE 7101 9464
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--help"]
