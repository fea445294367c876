// mockttp (HTTP Toolkit's engine) as bench/run.sh's peer: a transparent, recording, passthrough proxy on one port.
// nft redirects the client's connections here, so requests arrive in origin form and mockttp forwards each one to
// the host and port of its Host header (nginx on loopback), as HTTP Toolkit's intercepting proxy does.
//
// mockttp cannot see a redirected connection's original destination, so the new-host scenario's made-up names
// (h<N>.bench.test, which resolve nowhere) are forwarded to nginx's HTTPS origin, the address they were sent to.
//
//   node mockttp-proxy.js PORT CA_CERT CA_KEY HTTPS_ORIGIN   (NODE_PATH pointing at the npm install of mockttp)
const mockttp = require('mockttp');

async function main() {
  const [port, certPath, keyPath, httpsOrigin] = process.argv.slice(2);
  const server = mockttp.getLocal({
    https: { certPath, keyPath },
    // HTTP Toolkit's default: h2 for clients that offer only h2 (h2load), HTTP/1.1 for everyone else
    http2: 'fallback',
    recordTraffic: true,
    suggestChanges: false,
  });
  await server.start(Number(port));
  // always(): by default a mockttp rule yields to the next matching one after its first request
  await server.forAnyRequest().matching((req) => /\.bench\.test(:\d+)?$/.test(req.headers.host || '')).always()
    .thenForwardTo(httpsOrigin, { ignoreHostHttpsErrors: true });
  await server.forAnyRequest().thenPassThrough({ ignoreHostHttpsErrors: true });
  console.log(`READY port=${server.port}`);
  const stop = () => server.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(`mockttp could not start: ${e.stack || e}`);
  process.exit(1);
});
