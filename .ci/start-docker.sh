#!/usr/bin/env bash
# Starts Docker's engine (dockerd, from Debian's docker.io) when it is not running, and waits until its socket
# answers. Idempotent: prints nothing and returns at once when `docker info` already works. The container tests
# (redirector-linux's ContainerInterceptionTest, the testcontainers module) need it; without it they skip with a
# sentence saying so. No registry is reachable in CI: the tests build their images locally (FROM scratch).
set -euo pipefail

if docker info >/dev/null 2>&1; then
  exit 0
fi
if ! PATH="$PATH:/usr/sbin:/sbin" command -v dockerd >/dev/null 2>&1; then
  echo "start-docker.sh: dockerd is not installed (Debian package docker.io); the container tests will skip." >&2
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "start-docker.sh: starting dockerd needs root; the container tests will skip unless Docker runs already." >&2
  exit 0
fi

log=/var/log/apptap-dockerd.log
# Without systemd (containers, CI sandboxes) nothing else starts it. containerd is started by dockerd itself.
# The daemon outlives this script, so it must not keep any descriptor of its caller: an inherited pipe would keep the
# caller's log open, and an inherited `flock` descriptor (flock /tmp/apptap-kernel-tests.lock .ci/run) would hold that
# lock for as long as dockerd runs.
(
  cd /
  for fd in /proc/self/fd/*; do
    n=${fd##*/}
    if [[ $n -gt 2 ]]; then eval "exec $n>&-" 2>/dev/null || true; fi
  done
  PATH="$PATH:/usr/sbin:/sbin" exec setsid dockerd --host=unix:///var/run/docker.sock </dev/null >"$log" 2>&1
) &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 0.5
done
echo "start-docker.sh: dockerd did not answer on /var/run/docker.sock within 30 s; its log ($log) ends with:" >&2
tail -20 "$log" >&2
exit 0
