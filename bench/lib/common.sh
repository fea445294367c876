# Shared helpers for bench/run.sh. Sourced, not run.

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

# median of the numbers on stdin (one a line); prints "n/a" for none
median() {
  sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "n/a"} else if (NR%2) {print a[(NR+1)/2]} else {printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}}'
}

# Installs the Debian packages whose commands are missing; runs apt-get update only then.
ensure_packages() {
  local missing=() cmd pkg
  for pair in "$@"; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install -y ${missing[*]}) or run as root"
  log "installing ${missing[*]} from Debian"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}

# A free TCP port on loopback, from the kernel.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

machine_description() {
  local cpu cores ram kernel jdk
  cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
  cores=$(nproc)
  ram=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
  kernel=$(uname -sr)
  jdk=$(java -version 2>&1 | head -1)
  echo "- CPU: ${cpu:-unknown}, ${cores} cores (nproc)"
  echo "- RAM: ${ram}"
  echo "- Kernel: ${kernel}; $(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "- JDK: ${jdk}"
  echo "- nginx: $(nginx -v 2>&1 | sed 's/.*: //'); wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}'); h2load: $(h2load --version 2>&1 | head -1 | awk '{print $2}')"
  if command -v mitmdump >/dev/null; then
    echo "- mitmproxy: $(timeout 20 mitmdump --version 2>/dev/null | awk '/Mitmproxy/ {print $2}')"
  fi
  if [[ -f ${MOCKTTP_DIR:-}/node_modules/mockttp/package.json ]]; then
    echo "- mockttp: $(node -p 'require(process.argv[1]).version' "$MOCKTTP_DIR/node_modules/mockttp/package.json") on node $(node --version)"
  fi
  [[ -n ${MOCKSERVER_JAR:-} ]] && echo "- MockServer: $(basename "$MOCKSERVER_JAR" .jar | sed 's/.*dependencies-//') (mockserver-netty-no-dependencies)"
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- Load at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work shares this machine)"
}
