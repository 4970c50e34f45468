# syntax=docker/dockerfile:1
# The 12345 hotline image: one image, two commands (web part and workers). See README, "Deployment with containers".

# ---- build: compile TypeScript, train the classifier, keep production dependencies only ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 (embedded store) downloads a prebuilt binary; the toolchain is here for platforms without one.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# rimraf (a devDependency) is what botbuilder-dialogs' postinstall needs; install everything, prune after the build.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY workers ./workers
COPY data ./data
# The product only (tests and benchmarks stay out of the image).
RUN npx tsc -p tsconfig.json \
 && rm -f dist/.tsbuildinfo
# A model in the image: the first start does not train one (an empty data volume is seeded from /app/var).
RUN DATA_DIR=/app/var DOTENV_CONFIG_QUIET=true node dist/workers/classifier/cli/train.js --no-corrections
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime: node, the compiled product, its data files and production dependencies; not root ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DOTENV_CONFIG_QUIET=true \
    HOST=0.0.0.0 \
    PORT=3978 \
    OPS_PORT=9464 \
    DATA_DIR=/app/var
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/data ./data
COPY --from=build --chown=node:node /app/bot/public ./bot/public
COPY --from=build --chown=node:node /app/bot/console/public ./bot/console/public
COPY --from=build --chown=node:node /app/var ./var
# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 3978 9464
# Liveness of either process: the web part answers on PORT, a worker process on OPS_PORT.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "const p=process.argv[1]==='workers'?process.env.OPS_PORT:process.env.PORT;fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "${HOTLINE_ROLE:-web}"
# SIGTERM reaches node directly (exec form): it stops taking work and finishes within SHUTDOWN_TIMEOUT_SECONDS.
CMD ["node", "dist/bot/web.js"]
