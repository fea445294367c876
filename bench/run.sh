#!/usr/bin/env bash
# apptap against a direct connection, mitmproxy, mockttp (HTTP Toolkit's engine) and MockServer, side by side (issues 7, 16).
#
#   bench/run.sh                 # every scenario, 3 alternating rounds; prints a table, writes docs/benchmarks.md
#   bench/run.sh --rounds 5      # more rounds (medians get steadier on a shared 2-core machine)
#   bench/run.sh --duration 10   # seconds per wrk/h2load run (default 5)
#   bench/run.sh --smoke         # ~2 s per scenario, direct + apptap only; fails only when the harness breaks
#   bench/run.sh --only https_ka,h2   # some scenarios (ids below)
#   bench/run.sh --variants direct,osproxy   # some variants (direct launch osproxy mitmproxy mockttp mockserver)
#
# Needs root for OSPROXY (the eBPF redirector) and for mitmproxy's cgroup + nft redirect; without root those
# columns are n/a. Installs nginx, wrk, nghttp2-client (h2load) and mitmproxy from Debian when missing, and
# mockttp from npm (into MOCKTTP_DIR, default $BENCH_WORK/mockttp) when its column is asked for (never in --smoke).
# MVN_ARGS (say "-o") is passed to Maven. BENCH_WORK (default /tmp/apptap-bench) holds nginx, certs and files.
# ENGINE_JVM_OPTS are passed to the engine's JVM (say "-XX:StartFlightRecording=filename=/tmp/e.jfr"), ENGINE_ARGS to
# its BenchProxy (say "--threads 1", "--max-flows 1000" or "--passthrough 127.0.0.1").
# APPTAP_BIN is the launcher the cold scenario runs (default this checkout's ./apptap).
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
WORK=${BENCH_WORK:-/tmp/apptap-bench}
HTTP_PORT=${BENCH_HTTP_PORT:-28080}
HTTPS_PORT=${BENCH_HTTPS_PORT:-28443}
MITM_PORT=${BENCH_MITM_PORT:-28081}
MOCK_HTTP_PORT=${BENCH_MOCK_HTTP_PORT:-28090}
MOCK_HTTPS_PORT=${BENCH_MOCK_HTTPS_PORT:-28091}
MOCKSERVER_VERSION=${MOCKSERVER_VERSION:-5.15.0}
MOCKTTP_PORT=${BENCH_MOCKTTP_PORT:-28082}
MOCKTTP_VERSION=${MOCKTTP_VERSION:-4.6.5}
MOCKTTP_DIR=${MOCKTTP_DIR:-$WORK/mockttp}
APPTAP=${APPTAP_BIN:-$ROOT/apptap}   # another checkout's launcher, for a before/after of the cold scenario
HARNESS_JAR="$BENCH/harness/target/bench-harness.jar"

# shellcheck source=lib/common.sh
source "$BENCH/lib/common.sh"
# shellcheck source=lib/upstream.sh
source "$BENCH/lib/upstream.sh"
# shellcheck source=lib/variants.sh
source "$BENCH/lib/variants.sh"

ROUNDS=3
DURATION=5
SMOKE=0
ONLY=""
ONLY_VARIANTS=""
WRITE_DOCS=1
while (($#)); do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    --variants) ONLY_VARIANTS=$2; shift 2 ;;
    --no-docs) WRITE_DOCS=0; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
ALL_SCENARIOS=(https_ka http_ka https_close newhost h2 download flows10k cold pertest)
VARIANTS=(direct launch osproxy mitmproxy mockttp mockserver)
NEWHOST_COUNT=300
DOWNLOAD=1g
FLOWS=10000
COLD_DURATION=10
if ((SMOKE)); then
  ROUNDS=1; DURATION=2; COLD_DURATION=2; NEWHOST_COUNT=20; DOWNLOAD=64m; FLOWS=1000; WRITE_DOCS=0
  VARIANTS=(direct launch osproxy)
fi
SCENARIOS=("${ALL_SCENARIOS[@]}")
[[ -n $ONLY ]] && IFS=, read -r -a SCENARIOS <<<"$ONLY"
[[ -n $ONLY_VARIANTS ]] && IFS=, read -r -a VARIANTS <<<"$ONLY_VARIANTS"

# ---------------------------------------------------------------------------------------------------- setup
mkdir -p "$WORK"
ensure_packages nginx:nginx wrk:wrk h2load:nghttp2-client openssl:openssl nft:nftables
((SMOKE)) || ensure_packages mitmdump:mitmproxy || log "mitmproxy could not be installed; its column stays n/a"
for tool in nginx wrk h2load java mvn; do command -v "$tool" >/dev/null || die "$tool is missing"; done

log "building the harness"
# shellcheck disable=SC2086 # MVN_ARGS is a word list on purpose
# The cold scenario runs the CLI through ./apptap, so its jar is built too.
modules=bench/harness; [[ " ${SCENARIOS[*]} " == *" cold "* ]] && modules+=,cli
(cd "$ROOT" && mvn -q ${MVN_ARGS:-} -pl "$modules" -am install -DskipTests) || die "the build failed"
[[ -f $HARNESS_JAR ]] || die "no $HARNESS_JAR after the build"

if ! ((SMOKE)); then
  MOCKSERVER_JAR="$HOME/.m2/repository/org/mock-server/mockserver-netty-no-dependencies/$MOCKSERVER_VERSION/mockserver-netty-no-dependencies-$MOCKSERVER_VERSION.jar"
  if [[ ! -f $MOCKSERVER_JAR ]]; then
    # shellcheck disable=SC2086
    mvn -q ${MVN_ARGS:-} dependency:get -Dartifact="org.mock-server:mockserver-netty-no-dependencies:$MOCKSERVER_VERSION" \
      >/dev/null 2>&1 || { log "MockServer $MOCKSERVER_VERSION is not available from Maven Central"; MOCKSERVER_JAR=""; }
  fi
fi

trap cleanup_variants EXIT
upstream_prepare
[[ -f $WORK/www/64m ]] || truncate -s 64M "$WORK/www/64m"
upstream_start
# The Java client runs as "benchclient" (a symlink to java), so the redirector can intercept it by name and
# nothing else on the machine that is called java.
mkdir -p "$WORK/bin"
ln -sfn "$(readlink -f "$(command -v java)")" "$WORK/bin/benchclient"

declare -A AVAILABLE=([direct]=1)
declare -A WHY_NA=()
if [[ " ${VARIANTS[*]} " == *" launch "* ]]; then
  start_engine LAUNCH --mode launch --trust "$WORK/ca.crt" && AVAILABLE[launch]=1
fi
if [[ " ${VARIANTS[*]} " == *" osproxy "* ]]; then
  if [[ $(id -u) == 0 ]]; then
    start_engine OSP --mode osproxy --intercept "" --trust "$WORK/ca.crt" && AVAILABLE[osproxy]=1
  else
    WHY_NA[osproxy]="OSPROXY needs root for the eBPF redirector"
  fi
fi
if [[ " ${VARIANTS[*]} " == *" mitmproxy "* ]]; then
  if [[ $(id -u) == 0 ]] && start_mitmproxy; then AVAILABLE[mitmproxy]=1; else WHY_NA[mitmproxy]="mitmproxy did not start (see log)"; fi
fi
if [[ " ${VARIANTS[*]} " == *" mockttp "* ]]; then
  if [[ $(id -u) == 0 ]] && start_mockttp; then AVAILABLE[mockttp]=1; else WHY_NA[mockttp]="mockttp did not start (see log)"; fi
fi
if [[ " ${VARIANTS[*]} " == *" mockserver "* ]]; then
  if start_mockserver; then AVAILABLE[mockserver]=1; else WHY_NA[mockserver]="MockServer not available"; fi
fi
INTERCEPT_NAMES="wrk,h2load,benchclient"

# ------------------------------------------------------------------------------------------------ clients
# Each prints one number (or n/a). $1 = variant. The OSPROXY engine intercepts only while its variant runs.

# with_variant VARIANT CMD... : runs CMD the way VARIANT needs (cgroup for mitmproxy, interception for OSPROXY)
with_variant() {
  local variant=$1; shift
  case $variant in
    osproxy) engine_cmd OSP "intercept $INTERCEPT_NAMES" >/dev/null
             local rc=0; timeout 300 "$@" || rc=$?
             engine_cmd OSP "intercept " >/dev/null; return $rc ;;
    mitmproxy|mockttp) in_cgroup "$variant" timeout 300 "$@" ;;
    *) timeout 300 "$@" ;;
  esac
}

https_url() {
  case $1 in
    mockserver) echo "https://127.0.0.1:$MOCK_HTTPS_PORT/$2" ;;
    *) echo "https://127.0.0.1:$HTTPS_PORT/$2" ;;
  esac
}
http_url() {
  case $1 in
    mockserver) echo "http://127.0.0.1:$MOCK_HTTP_PORT/$2" ;;
    *) echo "http://127.0.0.1:$HTTP_PORT/$2" ;;
  esac
}

# wrk's Requests/sec, or 0 when it made no successful request
wrk_rps() {
  local out; out=$("$@" 2>&1) || true
  echo "$out" >> "$WORK/clients.log"
  if grep -q 'Non-2xx' <<<"$out" || ! grep -q 'Requests/sec' <<<"$out"; then echo 0; return; fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

# h2load's req/s, or 0 when a request failed
h2load_rps() {
  local out; out=$("$@" 2>&1) || true
  echo "$out" >> "$WORK/clients.log"
  if ! grep -q ' 0 failed, 0 errored' <<<"$out"; then echo 0; return; fi
  awk '/^finished in/ {print $4}' <<<"$out"
}

s_https_ka() {
  [[ $1 == launch ]] && { echo n/a; return; }
  wrk_rps with_variant "$1" wrk -t2 -c16 -d"${DURATION}s" "$(https_url "$1" 1k)"
}
s_http_ka() {
  if [[ $1 == launch ]]; then
    BENCH_ABS_URL="$(http_url direct 1k)" wrk_rps wrk -s "$BENCH/lib/abs-form.lua" -t2 -c16 -d"${DURATION}s" "http://$LAUNCH_EXPLICIT/"
  else
    wrk_rps with_variant "$1" wrk -t2 -c16 -d"${DURATION}s" "$(http_url "$1" 1k)"
  fi
}
s_https_close() {
  [[ $1 == launch ]] && { echo n/a; return; }
  wrk_rps with_variant "$1" wrk -t2 -c16 -d"${DURATION}s" -H 'Connection: close' "$(https_url "$1" 1k)"
}
s_h2() {
  [[ $1 == launch ]] && { echo n/a; return; }
  h2load_rps with_variant "$1" h2load -c16 -m10 -D "$DURATION" "$(https_url "$1" 1k)"
}
# New host per connection: median ms of a connection to a new name; NEWHOST_SAME[variant] keeps the same-name median.
declare -A NEWHOST_SAME=()
NEWHOST_FIRST=$(( $(date +%s) % 100000 * 10000 ))
s_newhost() {
  [[ $1 == mockserver ]] && { echo n/a; return; }
  local args=(--target "127.0.0.1:$HTTPS_PORT" --count "$NEWHOST_COUNT" --first "$NEWHOST_FIRST")
  NEWHOST_FIRST=$((NEWHOST_FIRST + NEWHOST_COUNT))
  [[ $1 == launch ]] && args+=(--proxy "$LAUNCH_EXPLICIT")
  local out; out=$(with_variant "$1" "$WORK/bin/benchclient" -cp "$HARNESS_JAR" dev.apptap.bench.NewHostClient "${args[@]}" 2>&1) || true
  echo "$out" >> "$WORK/clients.log"
  local new same
  new=$(awk '/^NEWHOST/' <<<"$out" | field median_ms)
  same=$(awk '/^SAMEHOST/' <<<"$out" | field median_ms)
  [[ -n $new ]] || { echo 0; return; }
  echo "$same" >> "$WORK/newhost-same-$1"
  echo "$new"
}
s_download() {
  [[ $1 == launch ]] && { echo n/a; return; }
  local before="" out
  [[ $1 == osproxy ]] && before=$(engine_cmd OSP reset | field heapAfterGc)
  out=$(with_variant "$1" h2load --h1 -c1 -n1 "$(https_url "$1" "$DOWNLOAD")" 2>&1) || true
  echo "$out" >> "$WORK/clients.log"
  if [[ $1 == osproxy ]]; then
    local stats; stats=$(engine_cmd OSP stats)
    echo "$(( ($(field peakHeap <<<"$stats") - before) / 1048576 )) $(( ($(field heapAfterGc <<<"$stats") - before) / 1048576 ))" \
      >> "$WORK/download-heap"
  fi
  grep -q ' 1 succeeded, 0 failed' <<<"$out" || { echo fail; return; }
  # MB/s (10^6 bytes) of the file over h2load's elapsed time ("finished in 1.42s," or "826.03ms,")
  local size; size=$(stat -c %s "$WORK/www/$DOWNLOAD")
  awk -v size="$size" '/^finished in/ {t = $3; if (t ~ /ms,$/) {sub(/ms,/, "", t); t /= 1000} else {sub(/s,/, "", t)};
    printf "%.1f\n", size / t / 1e6}' <<<"$out"
}
s_flows10k() {
  [[ $1 == osproxy || $1 == launch ]] || { echo n/a; return; }
  if [[ $1 == launch ]]; then echo n/a; return; fi
  local before after stats
  before=$(engine_cmd OSP reset | field heapAfterGc)
  h2load_rps with_variant osproxy h2load --h1 -c4 -n "$FLOWS" "$(https_url osproxy 1k)" >/dev/null
  stats=$(engine_cmd OSP stats)
  [[ $(field flows <<<"$stats") -ge $FLOWS ]] || { echo fail; return; }
  after=$(field heapAfterGc <<<"$stats")
  awk -v a="$after" -v b="$before" 'BEGIN {printf "%.1f\n", (a - b) / 1048576}'
}

# Cold start: a fresh `./apptap run` per measurement, as a user's command (its own engine and redirector in OSPROXY
# mode; the idle OSP engine intercepts nothing meanwhile). The osproxy column is apptap run, direct the client alone.
# The value is wrk's req/s over COLD_DURATION s, counted from the JVM's start; the time to the first flow (from exec
# to the flow's JSON line of `apptap run --json -- curl`, or to curl's end direct) goes to $WORK/cold-ttff-VARIANT.
APPTAP_RUN=("$APPTAP" run --ca-dir "$WORK/apptap-ca" --upstream-trust "$WORK/ca.crt")
s_cold() {
  [[ $1 == direct || $1 == osproxy ]] || { echo n/a; return; }
  local url; url=$(https_url direct 1k)
  for _ in 1 2 3; do
    if [[ $1 == osproxy ]]; then
      ms_to_first_line timeout 60 "${APPTAP_RUN[@]}" --json -- curl -sk -o /dev/null "$url" >> "$WORK/cold-ttff-$1"
    else
      ms_to_first_line timeout 60 sh -c 'curl -sk -o /dev/null "$0" && echo done' "$url" >> "$WORK/cold-ttff-$1"
    fi
  done
  if [[ $1 == osproxy ]]; then
    wrk_rps timeout 300 "${APPTAP_RUN[@]}" -q -- wrk -t2 -c16 -d"${COLD_DURATION}s" "$url"
  else
    wrk_rps timeout 300 wrk -t2 -c16 -d"${COLD_DURATION}s" "$url"
  fi
}
# ms from exec of CMD to its first line on stdout (the rest is read and dropped), or "fail" without one
ms_to_first_line() {
  local start; start=$(date +%s%N)
  "$@" 2>>"$WORK/clients.log" | {
    if read -r _; then echo $((($(date +%s%N) - start) / 1000000)); else echo fail; fi
    cat >/dev/null
  }
}

# ----------------------------------------------------------------------------------------------- the runs
# A fresh JVM is slow until its JIT has compiled the TLS and relay paths; warm the engines (and mitmproxy) before
# any measurement so that round 1 is not a measurement of start-up.
log "warming up"
for variant in launch osproxy mitmproxy mockttp mockserver; do
  [[ -n ${AVAILABLE[$variant]:-} ]] || continue
  for _ in 1 2; do
    if [[ $variant == launch ]]; then
      BENCH_ABS_URL="$(http_url direct 1k)" wrk -s "$BENCH/lib/abs-form.lua" -t1 -c4 -d2s "http://$LAUNCH_EXPLICIT/" >/dev/null 2>&1 || true
      continue
    fi
    # at the measured concurrency: C2 compiles what 16 busy connections run, not what 4 do
    with_variant "$variant" wrk -t2 -c16 -d3s "$(https_url "$variant" 1k)" >/dev/null 2>&1 || true
    with_variant "$variant" wrk -t2 -c16 -d3s -H 'Connection: close' "$(https_url "$variant" 1k)" >/dev/null 2>&1 || true
    with_variant "$variant" wrk -t1 -c4 -d1s "$(http_url "$variant" 1k)" >/dev/null 2>&1 || true
    with_variant "$variant" h2load -c4 -m10 -n 2000 "$(https_url "$variant" 1k)" >/dev/null 2>&1 || true
  done
done
if [[ " ${SCENARIOS[*]} " == *" cold "* ]]; then
  # The first run after a build trains the launcher's class archive (CDS; an older launcher, APPTAP_BIN, archives
  # that run's own classes at its exit), as a user's first command would; the cold scenario measures the runs after.
  timeout 120 "$APPTAP" run --mode launch --ca-dir "$WORK/apptap-ca" -- true >/dev/null 2>&1 || log "apptap run -- true failed"
fi
declare -A RESULTS=()   # "scenario variant" -> newline-separated values
PERTEST_LINES=""
rm -f "$WORK"/newhost-same-* "$WORK"/cold-ttff-* "$WORK/download-heap" "$WORK/clients.log"
for ((round = 1; round <= ROUNDS; round++)); do
  for scenario in "${SCENARIOS[@]}"; do
    [[ $scenario == pertest ]] && continue
    for variant in "${VARIANTS[@]}"; do
      [[ -n ${AVAILABLE[$variant]:-} ]] || continue
      value=$("s_$scenario" "$variant")
      log "round $round/$ROUNDS $scenario $variant: $value"
      RESULTS["$scenario $variant"]+="$value"$'\n'
    done
  done
done
if [[ " ${SCENARIOS[*]} " == *" pertest "* ]]; then
  modes=launch; [[ -n ${AVAILABLE[osproxy]:-} ]] && modes=launch,osproxy
  # The OSPROXY test run starts its own redirector; our idle one stays attached and intercepts nothing.
  PERTEST_LINES=$(java -cp "$HARNESS_JAR" dev.apptap.bench.PerTestCost --rounds "$((SMOKE ? 1 : ROUNDS + 2))" --modes "$modes" 2>>"$WORK/pertest.err" | grep '^PERTEST' || true)
  log "per-test cost: ${PERTEST_LINES:-none}"
fi

# ------------------------------------------------------------------------------------------------ report
declare -A MEDIAN=()
for key in "${!RESULTS[@]}"; do
  MEDIAN[$key]=$(grep -v -e '^n/a$' -e '^fail$' -e '^$' <<<"${RESULTS[$key]}" | median || true)
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a+0 > 0 && b+0 > 0) printf "%.2f", a / b; else print "n/a"}'; }

declare -A TITLE=(
  [https_ka]="HTTPS keep-alive 1 KiB (wrk -t2 -c16), req/s"
  [http_ka]="HTTP keep-alive 1 KiB (wrk -t2 -c16), req/s"
  [https_close]="HTTPS new connection per request (wrk -c16, Connection: close), req/s"
  [newhost]="HTTPS new host name per connection (Java client, sequential), median ms per connection (lower is better)"
  [h2]="HTTP/2 multiplexed (h2load -c16 -m10), req/s"
  [download]="1 GiB download over HTTPS (h2load --h1 -n1), MB/s"
  [flows10k]="10,000 recorded flows with 1 KiB bodies, MiB of heap held after GC (lower is better)"
  [cold]="HTTPS keep-alive from a cold start, \`apptap run -- wrk -t2 -c16 -d${COLD_DURATION}s\` (osproxy column), req/s"
)
((SMOKE)) && TITLE[download]="64 MiB download over HTTPS (smoke), MB/s" && TITLE[flows10k]="$FLOWS recorded flows (smoke), MiB held"

table() {
  printf '| scenario | %s | apptap OSPROXY / direct | apptap OSPROXY / mitmproxy | apptap OSPROXY / mockttp |\n' \
    "$(IFS='|'; echo "${VARIANTS[*]}" | sed 's/|/ | /g')"
  printf '|---|%s---|---|---|\n' "$(printf -- '---|%.0s' "${VARIANTS[@]}")"
  for scenario in "${SCENARIOS[@]}"; do
    [[ $scenario == pertest ]] && continue
    local row="| ${TITLE[$scenario]} |" v
    for v in "${VARIANTS[@]}"; do
      local failed; failed=$(grep -c '^fail$' <<<"${RESULTS["$scenario $v"]:-}" || true)
      row+=" ${MEDIAN["$scenario $v"]:-n/a}$( ((failed > 0)) && echo " ($failed of $ROUNDS runs failed)" || true) |"
    done
    local osp=${MEDIAN["$scenario osproxy"]:-} dir=${MEDIAN["$scenario direct"]:-} mitm=${MEDIAN["$scenario mitmproxy"]:-}
    local mockttp=${MEDIAN["$scenario mockttp"]:-}
    row+=" $(ratio "$osp" "$dir") | $(ratio "$osp" "$mitm") | $(ratio "$osp" "$mockttp") |"
    echo "$row"
  done
}

extras() {
  local v same
  if [[ " ${SCENARIOS[*]} " == *" newhost "* ]]; then
    echo
    echo "New host vs the same host (median ms per connection; the difference is what a new name costs, certificate minting included):"
    echo
    for v in "${VARIANTS[@]}"; do
      [[ -f $WORK/newhost-same-$v ]] || continue
      same=$(median < "$WORK/newhost-same-$v")
      echo "- $v: new host ${MEDIAN["newhost $v"]:-n/a} ms, same host $same ms, difference $(awk -v a="${MEDIAN["newhost $v"]:-0}" -v b="$same" 'BEGIN {printf "%.2f", a - b}') ms"
    done
  fi
  if [[ -f $WORK/cold-ttff-osproxy ]]; then
    echo
    echo "Time to the first flow (ms from exec of \`apptap run --json -- curl\` to the flow's line, 3 per round; direct: curl alone), medians: apptap run $(grep -vx fail "$WORK/cold-ttff-osproxy" | median) ms (runs: $(paste -sd' ' "$WORK/cold-ttff-osproxy")), direct $(grep -vxs fail "$WORK/cold-ttff-direct" | median) ms"
  fi
  if [[ -f $WORK/download-heap ]]; then
    echo
    echo "Download, apptap OSPROXY engine heap (MiB over the heap after GC before the download): peak used (garbage included, sampled every 5 ms) / held after GC, per round: $(awk '{printf "%s%s/%s", (NR>1?", ":""), $1, $2}' "$WORK/download-heap")"
  fi
  if [[ -n $PERTEST_LINES ]]; then
    echo
    echo "Per-test cost of @InterceptApps (a JUnit run of 200 empty tests with and without it, in one warm JVM, medians; the first run with apptap starts the engine and later runs get it back, as in an IDE; first_run_ms is that first run over a plain one, JIT warm-up included):"
    echo
    sed 's/^PERTEST /- /' <<<"$PERTEST_LINES"
  fi
  for v in "${!WHY_NA[@]}"; do echo; echo "- $v: n/a: ${WHY_NA[$v]}"; done
}

TABLE=$(table)
EXTRAS=$(extras)
echo
echo "$TABLE"
echo "$EXTRAS"

if ((WRITE_DOCS)); then
  DOC="$ROOT/docs/benchmarks.md"
  mkdir -p "$ROOT/docs"
  GENERATED=$(printf '## Results (generated by bench/run.sh, %s rounds of %s s)\n\n### Machine\n\n%s\n\n### Medians\n\n%s\n%s\n' \
    "$ROUNDS" "$DURATION" "$(machine_description)" "$TABLE" "$EXTRAS")
  # Everything above the marker is hand-written and kept; everything below is replaced.
  marker='<!-- bench/run.sh writes everything below this line -->'
  if [[ -f $DOC ]] && grep -qF "$marker" "$DOC"; then
    head="$(sed "/$(sed 's/[]\/$*.^[]/\\&/g' <<<"$marker")/q" "$DOC")"
  else
    head="# Benchmarks"$'\n\n'"Run \`bench/run.sh\`."$'\n\n'"$marker"
  fi
  printf '%s\n\n%s\n' "$head" "$GENERATED" > "$DOC"
  log "wrote $DOC"
fi

# ------------------------------------------------------------------------------------------- smoke checks
if ((SMOKE)); then
  broken=0
  for scenario in "${SCENARIOS[@]}"; do
    [[ $scenario == pertest ]] && { [[ -n $PERTEST_LINES ]] || { log "SMOKE: the per-test cost run printed nothing (see $WORK/pertest.err)"; broken=1; }; continue; }
    for variant in direct osproxy; do
      [[ -n ${AVAILABLE[$variant]:-} ]] || continue
      [[ $scenario == flows10k && $variant == direct ]] && continue
      if [[ $scenario == cold ]]; then
        # 2 s of wrk from a cold JVM on a busy machine may end before the first handshake: the flow is the check
        grep -qx '[0-9][0-9]*' "$WORK/cold-ttff-$variant" 2>/dev/null || { log "SMOKE: cold via $variant recorded no flow"; broken=1; }
        continue
      fi
      value=${MEDIAN["$scenario $variant"]:-n/a}
      bad=0
      [[ $value == n/a || ${RESULTS["$scenario $variant"]:-} == *fail* ]] && bad=1
      [[ $scenario != flows10k ]] && awk -v x="$value" 'BEGIN {exit !(x + 0 <= 0)}' && bad=1
      if ((bad)); then
        log "SMOKE: $scenario via $variant measured nothing ($value)"; broken=1
      fi
    done
  done
  ((broken == 0)) && log "SMOKE: the harness works" || exit 1
fi
