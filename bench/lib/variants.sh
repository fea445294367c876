# The interceptors under test, each started once per run and left idle when another variant runs. Sourced.
# Every start_* function records what it started so that cleanup_variants (an EXIT trap) stops it.

STARTED_PIDS=()
CGROUP_NAME=apptap-bench-$$
CGROUP_DIR=""
CGROUP_LINK=""
NFT_TABLE=""

# Starts bench/harness's BenchProxy; $1 = variable prefix (OSP or LAUNCH), rest = BenchProxy options.
# Sets ${prefix}_FD (its stdin), ${prefix}_OUT (its stdout file), ${prefix}_EXPLICIT, ${prefix}_PID.
start_engine() {
  local prefix=$1; shift
  local fifo="$WORK/$prefix.in" out="$WORK/$prefix.out" fd
  rm -f "$fifo"; mkfifo "$fifo"
  # shellcheck disable=SC2086 # ENGINE_JVM_OPTS is a word list on purpose
  java ${ENGINE_JVM_OPTS:-} -jar "$HARNESS_JAR" "$@" ${ENGINE_ARGS:-} < "$fifo" > "$out" 2> "$WORK/$prefix.err" &
  local pid=$!
  exec {fd}> "$fifo"
  STARTED_PIDS+=("$pid")
  printf -v "${prefix}_FD" '%s' "$fd"
  printf -v "${prefix}_PID" '%s' "$pid"
  printf -v "${prefix}_OUT" '%s' "$out"
  for _ in $(seq 300); do
    if grep -q '^READY' "$out" 2>/dev/null; then
      local ready; ready=$(grep '^READY' "$out")
      printf -v "${prefix}_EXPLICIT" '%s' "$(sed 's/.*explicit=\([^ ]*\).*/\1/' <<<"$ready")"
      log "$prefix engine: $ready"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/$prefix.err" >&2; die "the $prefix engine exited before READY"; }
    sleep 0.1
  done
  die "the $prefix engine printed no READY in 30 s"
}

# engine_cmd PREFIX COMMAND -> prints the engine's one-line answer
engine_cmd() {
  local prefix=$1 cmd=$2 fdvar="${1}_FD" outvar="${1}_OUT" before
  before=$(wc -l < "${!outvar}")
  echo "$cmd" >&"${!fdvar}"
  for _ in $(seq 600); do
    if (($(wc -l < "${!outvar}") > before)); then
      tail -n +"$((before + 1))" "${!outvar}" | head -1
      return 0
    fi
    sleep 0.05
  done
  die "the $prefix engine did not answer '$cmd'"
}

# Field NAME from a "KEY=VALUE ..." line on stdin.
field() { tr ' ' '\n' | awk -F= -v k="$1" '$1==k {print $2}'; }

# mitmproxy 8 in transparent mode; clients run inside a cgroup that an nft rule redirects to it.
start_mitmproxy() {
  command -v mitmdump >/dev/null || { log "mitmproxy is not installed; its column stays n/a"; return 1; }
  local root
  root=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
  [[ -n $root ]] || { log "no cgroup2 mount: mitmproxy cannot be redirected by cgroup; n/a"; return 1; }
  CGROUP_DIR="$root/$CGROUP_NAME"
  mkdir -p "$CGROUP_DIR"
  # nft resolves cgroupv2 paths under /sys/fs/cgroup; on hybrid hosts (cgroup2 at /sys/fs/cgroup/unified) a symlink
  # from there to the real directory gives it the same inode, which is all the rule keeps.
  local rel=$CGROUP_NAME
  if [[ $root != /sys/fs/cgroup ]]; then
    CGROUP_LINK=/sys/fs/cgroup/$CGROUP_NAME
    ln -sfn "$CGROUP_DIR" "$CGROUP_LINK"
  fi
  NFT_TABLE=apptap_bench_$$
  nft add table inet "$NFT_TABLE"
  nft add chain inet "$NFT_TABLE" out '{ type nat hook output priority -100; }'
  nft add rule inet "$NFT_TABLE" out socket cgroupv2 level 1 "\"$rel\"" tcp dport "{ $HTTP_PORT, $HTTPS_PORT }" \
    redirect to ":$MITM_PORT" || { log "nft rejected the cgroup rule; mitmproxy n/a"; return 1; }
  mitmdump --mode transparent --ssl-insecure -q --listen-host 127.0.0.1 --listen-port "$MITM_PORT" \
    --set stream_large_bodies=1m --set confdir="$WORK/mitmproxy" > "$WORK/mitm.log" 2>&1 &
  STARTED_PIDS+=("$!")
  MITM_PID=$!
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$MITM_PORT") 2>/dev/null && { log "mitmproxy listens on $MITM_PORT"; return 0; }
    kill -0 "$MITM_PID" 2>/dev/null || { log "mitmdump exited: $(tail -3 "$WORK/mitm.log")"; return 1; }
    sleep 0.1
  done
  log "mitmdump does not listen; n/a"; return 1
}

# Runs a command inside the mitmproxy cgroup.
in_mitm_cgroup() {
  sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CGROUP_DIR" "$@"
}

# MockServer (newest served by Maven Central) as a forwarding proxy: one instance per upstream port.
start_mockserver() {
  [[ -n ${MOCKSERVER_JAR:-} && -f $MOCKSERVER_JAR ]] || { log "MockServer is not available; n/a"; return 1; }
  local pair local_port remote_port
  for pair in "$MOCK_HTTP_PORT:$HTTP_PORT" "$MOCK_HTTPS_PORT:$HTTPS_PORT"; do
    local_port=${pair%%:*}; remote_port=${pair#*:}
    java -Dmockserver.logLevel=WARN -jar "$MOCKSERVER_JAR" -serverPort "$local_port" \
      -proxyRemoteHost 127.0.0.1 -proxyRemotePort "$remote_port" -logLevel WARN > "$WORK/mock-$local_port.log" 2>&1 &
    STARTED_PIDS+=("$!")
  done
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$MOCK_HTTP_PORT") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$MOCK_HTTPS_PORT") 2>/dev/null; then
      log "MockServer forwards $MOCK_HTTP_PORT -> $HTTP_PORT and $MOCK_HTTPS_PORT -> $HTTPS_PORT"; return 0
    fi
    sleep 0.1
  done
  log "MockServer does not listen; n/a"; return 1
}

cleanup_variants() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  [[ -n $NFT_TABLE ]] && nft delete table inet "$NFT_TABLE" 2>/dev/null
  [[ -n $CGROUP_LINK ]] && rm -f "$CGROUP_LINK"
  if [[ -n $CGROUP_DIR && -d $CGROUP_DIR ]]; then
    # Anything left in the cgroup goes back to the root before the directory can go.
    while read -r pid; do echo "$pid" > "$(dirname "$CGROUP_DIR")/cgroup.procs" 2>/dev/null; done < "$CGROUP_DIR/cgroup.procs"
    rmdir "$CGROUP_DIR" 2>/dev/null
  fi
  upstream_stop
  true
}
