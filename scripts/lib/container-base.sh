# Sourced by the container checks: podman settings for this sandbox and the local Debian 12 base image.
# Needs root, podman and debootstrap. Cache (outside the clone): VIGIL_CI_CACHE, default ~/.cache/vigil-ci.
cache=${VIGIL_CI_CACHE:-$HOME/.cache/vigil-ci}
mkdir -p "$cache" "$cache/empty"

# podman's default ulimits cannot be set in this sandbox (runc: "error setting rlimit"): keep the process's own.
export CONTAINERS_CONF="$cache/containers.conf"
printf '[containers]\ndefault_ulimits = []\n' >"$CONTAINERS_CONF"

# swift.org's list of what the toolchain needs on Debian 12, which the official swift:6.3-bookworm image installs.
swift_image_packages="binutils git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libncurses-dev"
swift_image_packages+=" libpython3-dev libsqlite3-0 libstdc++-12-dev libxml2-dev libz3-dev pkg-config tzdata uuid-dev"
swift_image_packages+=" zlib1g-dev"

# The toolchain this machine runs (swiftc's prefix), mounted read-only into containers.
swift_root=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")")

# docker.io/library/debian:bookworm-slim: no registry is reachable here, so it is a debootstrap of Debian 12
# (minbase), made once and kept as a tar in the cache.
ensure_debian_base() {
  podman image exists docker.io/library/debian:bookworm-slim && return 0
  if [ ! -s "$cache/debian-bookworm.tar" ]; then
    rm -rf "$cache/rootfs"
    if ! debootstrap --variant=minbase bookworm "$cache/rootfs" http://deb.debian.org/debian \
      >"$cache/debootstrap.log" 2>&1; then
      tail -n 30 "$cache/debootstrap.log" >&2
      echo "debootstrap of Debian 12 failed" >&2
      return 1
    fi
    tar -C "$cache/rootfs" -cf "$cache/debian-bookworm.tar.partial" .
    mv "$cache/debian-bookworm.tar.partial" "$cache/debian-bookworm.tar"
    rm -rf "$cache/rootfs"
  fi
  podman import -q "$cache/debian-bookworm.tar" docker.io/library/debian:bookworm-slim >/dev/null
}

# An image FROM the Debian base with `packages` installed, tagged by the list: prints its name.
image_with_packages() {
  local name=$1 packages=$2 tag
  tag="localhost/$name:$(echo "$packages" | sha256sum | cut -c1-12)"
  if ! podman image exists "$tag"; then
    podman build -q --pull=never -t "$tag" -f - "$cache/empty" >/dev/null <<DOCKERFILE || return 1
FROM docker.io/library/debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages \
 && rm -rf /var/lib/apt/lists/*
DOCKERFILE
  fi
  echo "$tag"
}
