# The interceptors under test, each started once per run and left idle when another variant runs. Sourced.
# Every start_* function records what it started so that cleanup_variants (an EXIT trap) stops it.

STARTED_PIDS=()
CGROUP_NAME=apptap-bench-$$
CGROUP_DIRS=()
CGROUP_LINKS=()
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

# redirect_cgroup NAME PORT: a cgroup of its own (CGROUP_OF[NAME]) whose TCP connections to nginx's ports an nft
# rule redirects to 127.0.0.1:PORT, where a transparent proxy (mitmproxy, mockttp) listens. Clients run in it
# through in_cgroup NAME CMD...
declare -A CGROUP_OF=()
redirect_cgroup() {
  local name=$1 port=$2 root
  root=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
  [[ -n $root ]] || { log "no cgroup2 mount: $name cannot be redirected by cgroup; n/a"; return 1; }
  local rel=$CGROUP_NAME-$name
  CGROUP_DIRS+=("$root/$rel")
  mkdir -p "$root/$rel"
  # nft resolves cgroupv2 paths under /sys/fs/cgroup; on hybrid hosts (cgroup2 at /sys/fs/cgroup/unified) a symlink
  # from there to the real directory gives it the same inode, which is all the rule keeps.
  if [[ $root != /sys/fs/cgroup ]]; then
    CGROUP_LINKS+=("/sys/fs/cgroup/$rel")
    ln -sfn "$root/$rel" "/sys/fs/cgroup/$rel"
  fi
  if [[ -z $NFT_TABLE ]]; then
    NFT_TABLE=apptap_bench_$$
    nft add table inet "$NFT_TABLE"
    nft add chain inet "$NFT_TABLE" out '{ type nat hook output priority -100; }'
  fi
  nft add rule inet "$NFT_TABLE" out socket cgroupv2 level 1 "\"$rel\"" tcp dport "{ $HTTP_PORT, $HTTPS_PORT }" \
    redirect to ":$port" || { log "nft rejected the cgroup rule; $name n/a"; return 1; }
  CGROUP_OF[$name]=$root/$rel
}

# Runs a command inside the cgroup that redirect_cgroup made for NAME.
in_cgroup() {
  local dir=${CGROUP_OF[$1]}; shift
  sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$dir" "$@"
}

# wait_listening NAME PID PORT LOG: waits until PORT accepts connections; fails when PID exits first.
wait_listening() {
  local name=$1 pid=$2 port=$3 logfile=$4
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { log "$name listens on $port"; return 0; }
    kill -0 "$pid" 2>/dev/null || { log "$name exited: $(tail -3 "$logfile")"; return 1; }
    sleep 0.1
  done
  log "$name does not listen on $port; n/a"; return 1
}

# mitmproxy 8 in transparent mode; clients run inside a cgroup that an nft rule redirects to it.
start_mitmproxy() {
  command -v mitmdump >/dev/null || { log "mitmproxy is not installed; its column stays n/a"; return 1; }
  redirect_cgroup mitmproxy "$MITM_PORT" || return 1
  mitmdump --mode transparent --ssl-insecure -q --listen-host 127.0.0.1 --listen-port "$MITM_PORT" \
    --set stream_large_bodies=1m --set confdir="$WORK/mitmproxy" > "$WORK/mitm.log" 2>&1 &
  STARTED_PIDS+=("$!")
  wait_listening mitmproxy "$!" "$MITM_PORT" "$WORK/mitm.log"
}

# mockttp (HTTP Toolkit's engine) from npm, installed once into $MOCKTTP_DIR; redirected like mitmproxy. It mints
# its leaves from a CA of its own (RSA, as HTTP Toolkit's).
start_mockttp() {
  command -v node >/dev/null && command -v npm >/dev/null || { log "node or npm is missing; mockttp n/a"; return 1; }
  (($(node -p 'process.versions.node.split(".")[0]') >= 20)) \
    || { log "mockttp $MOCKTTP_VERSION needs node 20 or newer (its engines field); this machine has $(node --version); n/a"; return 1; }
  if [[ ! -f $MOCKTTP_DIR/node_modules/mockttp/package.json ]] \
     || [[ $(node -p 'require(process.argv[1]).version' "$MOCKTTP_DIR/node_modules/mockttp/package.json") != "$MOCKTTP_VERSION" ]]; then
    log "installing mockttp@$MOCKTTP_VERSION from npm into $MOCKTTP_DIR"
    mkdir -p "$MOCKTTP_DIR"
    [[ -f $MOCKTTP_DIR/package.json ]] || echo '{"private": true}' > "$MOCKTTP_DIR/package.json"
    (cd "$MOCKTTP_DIR" && npm install --no-audit --no-fund --loglevel=error "mockttp@$MOCKTTP_VERSION" >&2) \
      || { log "npm could not install mockttp@$MOCKTTP_VERSION; n/a"; return 1; }
  fi
  if [[ ! -f $WORK/mockttp-ca.key ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=apptap bench mockttp CA" \
      -keyout "$WORK/mockttp-ca.key" -out "$WORK/mockttp-ca.crt" -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  fi
  redirect_cgroup mockttp "$MOCKTTP_PORT" || return 1
  NODE_PATH="$MOCKTTP_DIR/node_modules" node "$BENCH/lib/mockttp-proxy.js" "$MOCKTTP_PORT" \
    "$WORK/mockttp-ca.crt" "$WORK/mockttp-ca.key" "https://127.0.0.1:$HTTPS_PORT" > "$WORK/mockttp.log" 2>&1 &
  STARTED_PIDS+=("$!")
  wait_listening mockttp "$!" "$MOCKTTP_PORT" "$WORK/mockttp.log"
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
  local dir
  for dir in "${CGROUP_LINKS[@]}"; do rm -f "$dir"; done
  for dir in "${CGROUP_DIRS[@]}"; do
    [[ -d $dir ]] || continue
    # Anything left in the cgroup goes back to the root before the directory can go.
    while read -r pid; do echo "$pid" > "$(dirname "$dir")/cgroup.procs" 2>/dev/null; done < "$dir/cgroup.procs"
    rmdir "$dir" 2>/dev/null
  done
  upstream_stop
  true
}
