#!/usr/bin/env bash
# Runs one kernel test N times beside two CPU busy loops (`yes > /dev/null`, twice), the load under which issue 11
# saw InterceptionTest.twoHundredConcurrentConnectionsEachReachTheEngineExactlyOnce lose flows, and prints
# "N passed, M failed". Needs root (eBPF) and a built reactor (`mvn -o -q install -DskipTests` or any earlier build).
#
#   redirector-linux/load-check.sh [runs] [test]     e.g. redirector-linux/load-check.sh 20
#
# Each run holds /tmp/apptap-kernel-tests.lock only while it runs (other kernel tests get in between), and the busy
# loops run only then, so waiting for the lock burns nothing. The busy loops are killed on every exit path.
set -u
runs=${1:-20}
test=${2:-InterceptionTest#twoHundredConcurrentConnectionsEachReachTheEngineExactlyOnce}
root=$(cd "$(dirname "$0")/.." && pwd)
logs=$(mktemp -d /tmp/apptap-load-check.XXXXXX)
lock=/tmp/apptap-kernel-tests.lock
busy=()

passed=0
failed=0

stop_busy() {
    for pid in "${busy[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    busy=()
}
trap stop_busy EXIT
trap 'stop_busy; echo "$passed passed, $failed failed (stopped after $((passed + failed)) of $runs runs)"; exit 130' INT TERM HUP

cd "$root" || exit 1
echo "Compiling once, before the load and outside the lock (logs in $logs)."
if ! mvn -o -q -pl redirector-linux -am test-compile > "$logs/build.log" 2>&1; then
    echo "The build failed; see $logs/build.log." >&2
    exit 1
fi

for i in $(seq 1 "$runs"); do
    exec 9> "$lock"
    flock 9
    for _ in 1 2; do
        yes > /dev/null 9>&- &
        busy+=($!)
    done
    if mvn -o -q -pl redirector-linux -am test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
            > "$logs/run-$i.log" 2>&1 9>&-; then
        passed=$((passed + 1))
        echo "run $i: passed"
    else
        failed=$((failed + 1))
        cp redirector-linux/target/surefire-reports/*.txt "$logs/" 2>/dev/null
        echo "run $i: FAILED ($logs/run-$i.log): $(grep -m1 -E 'requests without|Tests run:.*Fail' "$logs/run-$i.log")"
    fi
    stop_busy
    flock -u 9
    exec 9>&-
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
