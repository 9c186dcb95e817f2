# Vigil container image: one image for every platform. `vigil runtime` (the default command) picks its mode from
# the environment: the AWS Lambda Runtime API, Tencent SCF's custom runtime, SCF image functions (--image, or
# VIGIL_RUNTIME=scf-image: HTTP on 0.0.0.0:9000), or, with none, `vigil schedule`.
# The build stage runs scripts/build-image-tree; the test command tests the tree it makes outside any container
# (scripts/check-image-tree), and CI builds this file with podman and runs the image (scripts/check-container-image).
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4-openssl-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY bench/cron-next-swift ./bench/cron-next-swift
COPY scripts/build-image-tree scripts/release-build scripts/hot-functions.txt ./scripts/
COPY serverless.yml ./
COPY functions ./functions
RUN scripts/build-image-tree /out

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/task vigil
COPY --from=build /out /var/task
WORKDIR /var/task
# Works on a read-only root filesystem: the only writes go to the state folder under /tmp.
ENV PATH=/var/task:$PATH VIGIL_STATE_DIR=/tmp/vigil VIGIL_CONFIG=/var/task/serverless.yml LAMBDA_TASK_ROOT=/var/task
USER 10001
ENTRYPOINT ["vigil"]
CMD ["runtime"]
