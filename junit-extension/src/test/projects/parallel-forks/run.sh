#!/usr/bin/env bash
# Runs this project against the apptap artifacts in the local Maven repository (run `mvn install` at the top first).
# Extra Maven flags pass through: ./run.sh -o -Dmaven.repo.local=/path/to/repo
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$here/target/rendezvous"
exec mvn -B -f "$here/pom.xml" "$@" test
