# Vigil container image: build with the Swift 6 toolchain, run on slim Debian with only libcurl, CA certificates
# and tzdata. No Docker engine runs in CI, so scripts/check-release runs the same build command outside Docker.
# Status: `vigil invoke` / `vigil list` work in this image; `vigil runtime` (Lambda/SCF loop) is issue 8.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product vigil \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/vigil" /out/vigil \
 && strip /out/vigil

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/task vigil
COPY --from=build /out/vigil /usr/local/bin/vigil
COPY serverless.yml /var/task/serverless.yml
COPY functions /var/task/functions
WORKDIR /var/task
# Read-only root filesystem friendly: state goes to /tmp.
ENV VIGIL_STATE_DIR=/tmp/vigil
USER 10001
ENTRYPOINT ["vigil"]
CMD ["list"]
