# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript and the native SQLite driver in a full image, run in a slim one as non-root.

FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm ci runs the `prepare` script (scripts/build-if-stale.mjs), which skips while the sources are not copied yet.
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY dialogs ./dialogs
COPY content ./content
COPY appPackage ./appPackage
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3978 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The one place under /app the server writes: V8's code cache of the bundle (scripts/run-bundle.mjs), for fast restarts.
RUN mkdir -p /data /app/dist/code-cache && chown node:node /data /app/dist/code-cache
COPY --from=build /app/content ./content
COPY --from=build /app/appPackage ./appPackage
USER node
VOLUME ["/data"]
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# HOST=0.0.0.0 inside a container requires MicrosoftAppId (channel auth) or ALLOW_UNAUTHENTICATED=true.
# dist/run.mjs runs the bundled server dist/server.cjs, as `npm start` does (scripts/run-bundle.mjs); its native modules
# load from node_modules.
CMD ["node", "dist/run.mjs"]
