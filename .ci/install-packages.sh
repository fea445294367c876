#!/usr/bin/env bash
# Installs what apptap's build and tests need: the JDK and Maven, and the native programs the tests
# drive (curl, wget, python3, node, nft, ...), then starts the services they need (Docker's engine).
# Idempotent and quiet: prints nothing when everything is already there, and apt-get's output
# only when an install fails. Needs root (or passwordless sudo) on Debian 12 / Ubuntu.
set -euo pipefail

# Debian package name -> a command it provides. The command is what tests look for on PATH,
# so it is also what decides whether the package is still missing.
declare -A PROVIDES=(
  [curl]=curl
  [wget]=wget
  [python3]=python3
  [nodejs]=node
  [openssl]=openssl
  [nftables]=nft
  [iproute2]=ip
  [git]=git
  [busybox-static]=busybox
  [procps]=ps
  [maven]=mvn
  [nghttp2-server]=nghttpd
  [nghttp2-client]=h2load
  [openjdk-17-jdk-headless]=javac
  [bpftool]=bpftool
  [zsh]=zsh
  [npm]=npm
  [python3-pip]=pip3
  [chromium]=chromium
  [docker.io]=dockerd
)

missing=()
for pkg in "${!PROVIDES[@]}"; do
  # Root's PATH may lack /usr/sbin when the script runs under sudo or a CI shell, and nft and ip live there.
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v "${PROVIDES[$pkg]}" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done
# python3-websockets provides no command; the WebSocket tests run Debian's /usr/bin/python3 with it.
if ! /usr/bin/python3 -c 'import websockets' >/dev/null 2>&1; then
  missing+=(python3-websockets)
fi
# ca-certificates provides no command; its bundle file is what TLS clients need.
if [[ ! -s /etc/ssl/certs/ca-certificates.crt ]]; then
  missing+=(ca-certificates)
fi
# libbpf1 provides no command either; redirector-linux loads its libbpf.so.1 at run time.
if ! compgen -G '/usr/lib/*/libbpf.so.1' >/dev/null && ! compgen -G '/lib/*/libbpf.so.1' >/dev/null; then
  missing+=(libbpf1)
fi

# The services the tests need, started once their packages are there: Docker's engine for the container tests.
start_services() {
  bash "$(dirname "$0")/start-docker.sh"
}

if [[ ${#missing[@]} -eq 0 ]]; then
  start_services
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo -n)
  elif command -v sudo >/dev/null 2>&1 && [[ -t 0 ]]; then
    echo "install-packages.sh: installing ${missing[*]} with sudo." >&2
    sudo_cmd=(sudo)
  else
    echo "install-packages.sh: installing ${missing[*]} needs root or passwordless sudo, and neither is available." >&2
    exit 1
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() {
  if ! "$@" >>"$log" 2>&1; then
    cat "$log" >&2
    echo "install-packages.sh: '$*' failed; its output is above." >&2
    exit 1
  fi
}

# ca-certificates is always installed alongside, so a fresh machine gets a trust bundle even
# when a command probe was satisfied by something outside apt.
run "${sudo_cmd[@]}" apt-get update -q
run "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  ca-certificates "${missing[@]}"
start_services
