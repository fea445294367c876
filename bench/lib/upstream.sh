# nginx on loopback: HTTP and HTTPS (h2), a self-signed CA and leaf, /1k and a sparse /1g. Sourced.

upstream_prepare() {
  mkdir -p "$WORK/www" "$WORK/tmp"
  [[ -f $WORK/www/1k ]] || head -c 1024 /dev/urandom > "$WORK/www/1k"
  if [[ ! -f $WORK/www/1g ]]; then
    log "creating the 1 GiB file (sparse)"
    truncate -s 1G "$WORK/www/1g"
  fi
  if [[ ! -f $WORK/nginx.crt ]]; then
    log "creating nginx's CA and certificate"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=apptap bench CA" \
      -keyout "$WORK/ca.key" -out "$WORK/ca.crt" -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
      -keyout "$WORK/nginx.key" -out "$WORK/nginx.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:*.bench.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
      > "$WORK/leaf.ext"
    openssl x509 -req -in "$WORK/nginx.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial -days 3650 \
      -extfile "$WORK/leaf.ext" -out "$WORK/nginx.crt" 2>/dev/null
  fi
  sed -e "s|@WORK@|$WORK|g" -e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" \
    "$BENCH/nginx.conf.template" > "$WORK/nginx.conf"
}

upstream_start() {
  upstream_stop
  nginx -c "$WORK/nginx.conf" -p "$WORK" || die "nginx did not start (see $WORK/nginx-error.log)"
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$HTTPS_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  die "nginx does not listen on $HTTPS_PORT"
}

upstream_stop() {
  if [[ -f $WORK/nginx.pid ]]; then
    kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    rm -f "$WORK/nginx.pid"
    sleep 0.3
  fi
}
