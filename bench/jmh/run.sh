#!/usr/bin/env bash
# Builds the benchmark jar and runs it.
#
#   bench/jmh/run.sh                          # every benchmark, short settings (about a minute per benchmark)
#   bench/jmh/run.sh LeafMinting -r 5s        # any JMH arguments; later ones override the defaults
#   bench/jmh/run.sh --smoke                  # seconds: proves the harness still builds and runs, measures nothing
#   bench/jmh/run.sh -h                       # JMH's own options
#
# MVN_ARGS (say "-o") is passed to Maven.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

# JMH lets a later option override an earlier one, so the user's arguments go after these.
defaults=(-f 1 -wi 2 -i 3 -w 1s -r 1s)
if [[ "${1:-}" == "--smoke" ]]; then
  shift
  # -f 0 runs in this JVM: no fork start-up, and the @Fork heap settings do not apply, which a smoke run
  # does not need.
  defaults=(-f 0 -wi 0 -i 1 -r 200ms)
fi

# shellcheck disable=SC2086 # MVN_ARGS is a word list on purpose
mvn -q ${MVN_ARGS:-} -pl bench/jmh -am package -DskipTests
exec java -jar bench/jmh/target/benchmarks.jar "${defaults[@]}" "$@"
