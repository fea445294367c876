#!/usr/bin/env bash
# Runs this project against the apptap artifacts in the local Maven repository (run `mvn install` at the top first).
# Extra Maven flags pass through: ./run.sh -o -Dmaven.repo.local=/path/to/repo
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$here/target/rendezvous" "$here/target/apptap"
mvn -B -f "$here/pom.xml" "$@" test
# Both forks wrote target/apptap/report.html: the one page must list the tests of both.
for test in FirstForkCurlTest.seesExactlyItsOwnTwentyCurls SecondForkCurlTest.seesExactlyItsOwnTwentyCurls; do
  if ! grep -q "\"name\":\"$test\"" "$here/target/apptap/report.html"; then
    echo "target/apptap/report.html does not list $test: a fork's tests are missing from the run's report." >&2
    exit 1
  fi
done
echo "target/apptap/report.html lists the tests of both forks."
