# syntax=docker/dockerfile:1.7
# One image recipe for every Node service of the workspace: the MCP servers
# (services/mcp-network, mcp-itsm, mcp-github), services/rest-proxy,
# services/deploy-worker and the dev sandboxes (packages/sandboxes + ENTRY).
#
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=services/mcp-network -t mcp-network .
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=packages/sandboxes \
#     --build-arg ENTRY=src/bin/servicenow.ts -t servicenow-sim .
#
# Internal packages ship TypeScript source; the image runs it with plain Node, whose built-in type
# stripping executes the sources (they use erasable syntax only: tsconfig `erasableSyntaxOnly`). No
# tsx, no build step. docker/assemble.sh lays out the service with its production dependencies and
# keeps workspace packages outside node_modules (Node does not strip types under node_modules).
# deploy-checks (`pnpm test`) checks this file's shape and runs assemble.sh + `node src/main.ts`.
# A service with src/bundle.ts gets it run on the assembled tree: the deploy worker's prebuilt
# workflow bundle (dist/workflow-bundle.js, WORKFLOW_BUNDLE_PATH), so it starts without bundling and
# every replica runs the same workflow code.

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
COPY docker/assemble.sh docker/assemble.sh
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    test -n "${SERVICE}" \
 && sh docker/assemble.sh "${SERVICE}" /out --store-dir /pnpm/store \
 && if [ -f "/out/${SERVICE}/src/bundle.ts" ]; then cd "/out/${SERVICE}" && node src/bundle.ts; fi

# ---- runtime: non-root, production dependencies only, plain Node -------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG ENTRY=src/main.ts
LABEL org.opencontainers.image.source="mcp-platform" org.opencontainers.image.description="mcp-platform ${SERVICE}"
ENV NODE_ENV=production ENTRY=${ENTRY}
COPY --from=build --chown=node:node /out /app
WORKDIR /app/${SERVICE}
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/mcp-entrypoint
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/mcp-entrypoint"]
CMD ["sh", "-c", "exec node \"$ENTRY\""]
