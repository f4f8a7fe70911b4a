# The elk-coordinator image: one image for coordinator nodes and workers (docker-compose.yml).
#   build stage:   npm ci (with dev dependencies) and `npm run build` (tsc → dist/)
#   runtime stage: dist/, production node_modules, package.json and the example processors
# Run a node:   docker run … elk-coordinator node --id n1 --listen 0.0.0.0:7101 …
# Run a worker: docker run … elk-coordinator worker --processor examples/steady/processor.js …

FROM node:24-slim AS build
WORKDIR /app
# Node 24 (active LTS) in both stages. Every native addon the coordinator loads (classic-level,
# msgpackr-extract) ships Node-API prebuilds, so no compiler is installed. The one optional
# dependency that compiles, better-sqlite3 12 (the cities demo's SQLite driver on Node 20 only),
# fails to build without one and npm leaves it out: the image does not carry the demo.
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
