# syntax=docker/dockerfile:1
#
# Images of the callback service. One build stage compiles the three programs;
# each runtime target runs one of them:
#
#   docker build --target api     -t opengms/callback-api .
#   docker build --target worker  -t opengms/callback-worker .
#   docker build --target ors-sim -t opengms/callback-ors-sim .
#   docker build --build-arg APP=worker -t opengms/callback .   # default target, APP picks the program
#
# docker-compose.yml builds the targets. Configuration: CONTRACT.md (GMS_CONFIG,
# DATABASE_URL, TEMPORAL_ADDRESS, ...); config/ is copied to /app/config.

ARG GO_VERSION=1.26.10

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# timetzdata: office-hours time zones work without the system's tzdata.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags="-s -w" -o /out/ ./cmd/api ./cmd/worker ./cmd/ors-sim

FROM debian:bookworm-slim AS runtime
# curl serves the healthchecks; ca-certificates outbound TLS (an ORS behind https).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin gms \
    && mkdir -m 700 /secrets && chown gms /secrets
# /secrets: the payload and number-hash keys (docker-compose.yml's gms-secrets
# volume takes this directory's owner).
WORKDIR /app
COPY --from=build /out/ /app/bin/
COPY config/ /app/config/
ENV GMS_CONFIG=/app/config/gms.ini \
    TEMPORAL_NAMESPACE=default \
    TEMPORAL_TASK_QUEUE=callbacks
USER gms

FROM runtime AS api
ENV GMS_HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/app/bin/api"]

FROM runtime AS worker
ENTRYPOINT ["/app/bin/worker"]

FROM runtime AS ors-sim
ENV ORS_SIM_ADDR=0.0.0.0:8090
EXPOSE 8090
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8090/healthz || exit 1
ENTRYPOINT ["/app/bin/ors-sim"]

# Default target: the program named by APP (api, worker or ors-sim).
FROM runtime AS app
ARG APP=api
ENV APP=${APP} \
    GMS_HTTP_ADDR=0.0.0.0:8080 \
    ORS_SIM_ADDR=0.0.0.0:8090
EXPOSE 8080 8090
ENTRYPOINT ["/bin/sh", "-c", "exec \"/app/bin/$APP\" \"$@\"", "--"]
