# syntax=docker/dockerfile:1.7
# One image recipe for every Node service of the workspace: the MCP servers
# (services/mcp-network, mcp-itsm, mcp-github), services/rest-proxy,
# services/deploy-worker and the dev sandboxes (packages/sandboxes + ENTRY).
#
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=services/mcp-network -t mcp-network .
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=packages/sandboxes \
#     --build-arg ENTRY=src/bin/servicenow.ts -t servicenow-sim .
#
# Internal packages ship TypeScript source and services run it through tsx's
# loader (`node --import tsx`). tsx is a devDependency of the services, so the
# production install below does not contain it: the image installs the pinned
# tsx (TSX_VERSION = the workspace catalog's) on its own in /opt/tsx.
# deploy-checks (`pnpm test`) checks this file's shape and the pin.

# Node.js 24 LTS, the version in .node-version (deploy-checks keeps the two equal).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ---- build: the whole workspace's lockfile, then the one service with prod deps only -----
FROM ${NODE_IMAGE} AS build
ARG SERVICE
ARG PNPM_VERSION=10.34.9
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
RUN npm install -g pnpm@${PNPM_VERSION}
WORKDIR /repo
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY packages/ packages/
COPY services/ services/
COPY policies/ policies/
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    test -n "${SERVICE}" && test -f "${SERVICE}/package.json" \
 && pnpm install --frozen-lockfile --store-dir /pnpm/store \
 && pnpm --filter "./${SERVICE}" --prod deploy --legacy /out \
 && rm -rf /out/test /out/bench \
 && find /out -name '*.test.ts' -not -path '*/node_modules/*' -delete

# ---- tsx: the TypeScript loader, pinned, outside the service's dependency tree ------------
FROM ${NODE_IMAGE} AS tsx
ARG TSX_VERSION=4.23.15
WORKDIR /opt/tsx
RUN npm init -y >/dev/null && npm install --omit=dev --no-audit --no-fund tsx@${TSX_VERSION}

# ---- runtime: non-root, production dependencies only -------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG ENTRY=src/main.ts
LABEL org.opencontainers.image.source="mcp-platform" org.opencontainers.image.description="mcp-platform ${SERVICE}"
ENV NODE_ENV=production ENTRY=${ENTRY} TSX_LOADER=/opt/tsx/node_modules/tsx/dist/loader.mjs
WORKDIR /app
COPY --from=tsx /opt/tsx /opt/tsx
COPY --from=build --chown=node:node /out /app
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/mcp-entrypoint
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/mcp-entrypoint"]
CMD ["sh", "-c", "exec node --import \"$TSX_LOADER\" \"$ENTRY\""]
