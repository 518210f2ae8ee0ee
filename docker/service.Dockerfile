# One image recipe for every Node service of the workspace (mcp-network, later
# mcp-itsm, mcp-github, rest-proxy, deploy-worker, and the dev sandboxes).
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=services/mcp-network .
# Internal packages ship TypeScript source; services run it with tsx's loader.
FROM node:22-bookworm-slim AS deps
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH
RUN npm install -g pnpm@10.34.9
WORKDIR /repo
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY packages/ packages/
COPY services/ services/
COPY policies/ policies/
RUN pnpm install --frozen-lockfile

FROM node:22-bookworm-slim
ARG SERVICE
ARG ENTRY=src/main.ts
ENV NODE_ENV=production SERVICE_DIR=/repo/${SERVICE} ENTRY=${ENTRY}
WORKDIR /repo
COPY --from=deps --chown=node:node /repo /repo
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "cd \"$SERVICE_DIR\" && exec node --import tsx \"$ENTRY\""]
