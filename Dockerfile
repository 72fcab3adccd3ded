# syntax=docker/dockerfile:1
# The CRM API image: only app/server and its production dependencies (no Pulumi packages), on Node 24 LTS.
# The Node.js release is the one in .node-version, which tests, CI and `pnpm dev` run on too.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /repo
RUN npm install --global pnpm@12.4.2
# Every workspace manifest, so the lockfile matches; only the server's dependencies are installed.
COPY package.json pnpm-workspace.yaml pnpm-lock.yaml tsconfig.base.json ./
COPY app/server/package.json app/server/
COPY app/deploy/package.json app/deploy/
COPY infra/package.json infra/
COPY cluster/package.json cluster/
COPY policy/package.json policy/
COPY deployments/package.json deployments/
COPY lib/stack-config/package.json lib/stack-config/
COPY lib/pulumi-testing/package.json lib/pulumi-testing/
RUN pnpm install --frozen-lockfile --filter @cloudops-crm/server
COPY app/server app/server
COPY scripts/bundle-server.sh scripts/
RUN bash scripts/bundle-server.sh /prod/server

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=5000
WORKDIR /app
# Root-owned and read-only for the app user: the service writes nothing to disk (readOnlyRootFilesystem).
COPY --from=build /prod/server ./
# uid 1000 is the image's unprivileged `node` user.
USER 1000:1000
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||5000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM/SIGINT itself (close-with-grace): exec form, no shell in between.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
