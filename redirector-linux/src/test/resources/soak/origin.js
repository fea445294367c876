// The soak's origin, in its own process so that the test JVM's fds, threads and heap are the engine's alone.
// HTTP/1.1 (keep-alive or close, big bodies, uploads, SSE, a slow answer, WebSocket echo) on one port and
// HTTP/2 cleartext (prior knowledge, for h2load) on another, both on 127.0.0.1. Prints "PORTS <http1> <h2c>".
'use strict';
const http = require('http');
const http2 = require('http2');
const crypto = require('crypto');

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://origin.test');
  if (url.pathname === '/ka') {
    res.writeHead(200, {'content-type': 'text/plain', 'content-length': 3});
    res.end('ok\n');
  } else if (url.pathname === '/big') {
    let left = Number(url.searchParams.get('n') || '0');
    res.writeHead(200, {'content-type': 'application/octet-stream', 'content-length': left});
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (left > 0) {
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= part.length;
        if (!res.write(part)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  } else if (url.pathname === '/upload') {
    let size = 0;
    req.on('data', d => { size += d.length; });
    req.on('end', () => {
      const body = String(size) + '\n';
      res.writeHead(200, {'content-type': 'text/plain', 'content-length': body.length});
      res.end(body);
    });
  } else if (url.pathname === '/sse') {
    res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache'});
    let n = 0;
    const timer = setInterval(() => {
      n++;
      res.write('data: event ' + n + '\n\n');
      if (n === 10) {
        clearInterval(timer);
        res.end();
      }
    }, 50);
    res.on('close', () => clearInterval(timer));
  } else if (url.pathname === '/slow') {
    const timer = setTimeout(() => {
      res.writeHead(200, {'content-type': 'text/plain', 'content-length': 5});
      res.end('slow\n');
    }, 3000);
    res.on('close', () => clearTimeout(timer));
  } else {
    res.writeHead(404, {'content-length': 0});
    res.end();
  }
});
server.keepAliveTimeout = 30000;
server.headersTimeout = 31000;
server.requestTimeout = 0;

// WebSocket echo: RFC 6455 handshake, then every text or binary frame back unmasked; close answers close.
server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + 'Sec-WebSocket-Accept: ' + accept + '\r\n\r\n');
  let buffered = Buffer.alloc(0);
  socket.on('data', data => {
    buffered = Buffer.concat([buffered, data]);
    for (;;) {
      if (buffered.length < 2) return;
      const opcode = buffered[0] & 0x0f;
      let length = buffered[1] & 0x7f;
      let offset = 2;
      if (length === 126) { if (buffered.length < 4) return; length = buffered.readUInt16BE(2); offset = 4; }
      else if (length === 127) { if (buffered.length < 10) return; length = Number(buffered.readBigUInt64BE(2)); offset = 10; }
      const masked = (buffered[1] & 0x80) !== 0;
      const mask = masked ? buffered.subarray(offset, offset + 4) : null;
      if (masked) offset += 4;
      if (buffered.length < offset + length) return;
      const payload = Buffer.from(buffered.subarray(offset, offset + length));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      buffered = buffered.subarray(offset + length);
      const header = length < 126 ? Buffer.from([0x80 | opcode, length])
        : Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff]);
      if (opcode === 0x8) { socket.end(Buffer.concat([header, payload])); return; }
      if (opcode === 0x9) { socket.write(Buffer.concat([Buffer.from([0x8a, payload.length]), payload])); continue; }
      socket.write(Buffer.concat([header, payload]));
    }
  });
  socket.on('error', () => {});
});
server.on('clientError', (err, socket) => socket.destroy());

const h2 = http2.createServer();
h2.on('stream', stream => {
  stream.respond({':status': 200, 'content-type': 'text/plain'});
  stream.end('ok\n');
});
h2.on('sessionError', () => {});

server.listen(0, '127.0.0.1', () => {
  h2.listen(0, '127.0.0.1', () => {
    console.log('PORTS ' + server.address().port + ' ' + h2.address().port);
  });
});
