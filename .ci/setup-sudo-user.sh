#!/usr/bin/env bash
# Prepares redirector-linux's `sudo -n` path for CI, as root, before the tests run:
#   - installs sudo if missing;
#   - creates the unprivileged user apptap-ci (SudoHelperTest runs a JVM as that user);
#   - builds redirector-linux and installs the helper (a launcher plus the jars it runs) under
#     /usr/local/lib/apptap, all root-owned: sudoers names that one path, so nothing it executes may be
#     writable by anyone but root;
#   - writes /etc/sudoers.d/apptap-redirector, which lets apptap-ci run that helper, and nothing else,
#     without a password.
# Idempotent; reinstalls the helper from the current checkout every time. Extra Maven flags (such as -o)
# come from MVN_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "setup-sudo-user.sh: run it as root; it creates a user and a sudoers rule." >&2
  exit 1
fi

CI_USER=apptap-ci
HELPER_DIR=/usr/local/lib/apptap
HELPER=$HELPER_DIR/apptap-redirector-helper
SUDOERS=/etc/sudoers.d/apptap-redirector
log=$(mktemp)
stage=$(mktemp -d)
trap 'rm -rf "$log" "$stage"' EXIT

quiet() {
  if ! "$@" >>"$log" 2>&1; then
    cat "$log" >&2
    echo "setup-sudo-user.sh: '$*' failed; its output is above." >&2
    exit 1
  fi
}

if ! command -v sudo >/dev/null 2>&1; then
  quiet apt-get update -q
  quiet env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends sudo
fi

if ! id -u "$CI_USER" >/dev/null 2>&1; then
  quiet useradd --create-home --shell /bin/sh "$CI_USER"
fi

# The helper runs the jars of this checkout: redirector-linux, proxy-core and their runtime dependencies.
# shellcheck disable=SC2086
quiet mvn -B -q ${MVN_FLAGS:-} -pl redirector-linux -am package -DskipTests \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$stage"
cp redirector-linux/target/apptap-redirector-linux-*.jar "$stage/"
rm -f "$stage"/*-sources.jar "$stage"/*-javadoc.jar

java_bin=$(readlink -f "$(command -v java)")
install -d -o root -g root -m 0755 "$HELPER_DIR"
rm -rf "$HELPER_DIR/lib" "$HELPER_DIR/jna"
install -d -o root -g root -m 0755 "$HELPER_DIR/lib"
install -d -o root -g root -m 0700 "$HELPER_DIR/jna"
install -o root -g root -m 0644 "$stage"/*.jar "$HELPER_DIR/lib/"
cat >"$stage/helper" <<LAUNCHER
#!/bin/sh
# apptap-redirector-helper: loads apptap's eBPF redirector as root for an unprivileged JVM, which drives it
# over stdin/stdout (dev.apptap.redirector.linux.HelperMain). Everything here is root-owned because sudoers
# allows this exact path. JNA unpacks its native library into a root-only directory, not /tmp.
exec $java_bin -Xshare:auto -XX:TieredStopAtLevel=1 -Djna.tmpdir=$HELPER_DIR/jna \\
  -cp '$HELPER_DIR/lib/*' dev.apptap.redirector.linux.HelperMain "\$@"
LAUNCHER
install -o root -g root -m 0755 "$stage/helper" "$HELPER"

# !use_pty: the helper talks over the JVM's pipes, and must see them close when the JVM dies.
cat >"$stage/sudoers" <<SUDOERS
# apptap: $CI_USER may load apptap's eBPF redirector through its helper, and run nothing else as root.
Defaults!$HELPER !use_pty
$CI_USER ALL=(root) NOPASSWD: $HELPER
SUDOERS
quiet visudo -cf "$stage/sudoers"
install -o root -g root -m 0440 "$stage/sudoers" "$SUDOERS"
