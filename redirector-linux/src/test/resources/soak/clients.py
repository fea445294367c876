"""The soak's client programs (run with Debian's python3, which has websockets). Each prints
'RESULT kind=<kind> made=<requests made> ok=<requests that succeeded>' every two seconds and when it ends; the
soak reads the last such line as the client's own count of what it asked for."""
import asyncio
import http.client
import os
import resource
import sys
import time


class Counter:
    def __init__(self, kind):
        self.kind, self.made, self.ok, self.shown = kind, 0, 0, 0.0

    def show(self, force=False):
        now = time.time()
        if force or now - self.shown >= 2:
            self.shown = now
            print(f"RESULT kind={self.kind} made={self.made} ok={self.ok}", flush=True)


def http1(kind, port, until, close):
    c = Counter(kind)
    conn = None
    while time.time() < until:
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.made += 1
            conn.request("GET", "/ka", headers={"Connection": "close"} if close else {})
            response = conn.getresponse()
            if response.status == 200 and response.read() == b"ok\n":
                c.ok += 1
            if close or response.will_close:
                conn.close()
                conn = None
        except Exception as e:
            print(f"ERROR {kind}: {e!r}", flush=True)
            conn = None
        c.show()
        time.sleep(0.02)
    c.show(True)


def sse(port, until):
    c = Counter("sse")
    while time.time() < until:
        try:
            c.made += 1
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/sse", headers={"Accept": "text/event-stream"})
            body = conn.getresponse().read().decode()
            conn.close()
            if body.count("data: event") == 10:
                c.ok += 1
        except Exception as e:
            print(f"ERROR sse: {e!r}", flush=True)
        c.show()
        time.sleep(0.1)
    c.show(True)


async def ws(port, until):
    import websockets
    c = Counter("websocket")
    while time.time() < until:
        try:
            c.made += 1
            async with websockets.connect(f"ws://127.0.0.1:{port}/echo", compression=None) as socket:
                good = 0
                for i in range(10):
                    await socket.send(f"message {i}")
                    if await socket.recv() == f"message {i}":
                        good += 1
            if good == 10:
                c.ok += 1
        except Exception as e:
            print(f"ERROR websocket: {e!r}", flush=True)
        c.show()
        await asyncio.sleep(0.2)
    c.show(True)


async def burst(port, n):
    """n connections open at once, each with one request in flight, all held until every answer is in."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 256)), hard))
    c = Counter("burst")
    all_answered = asyncio.Event()
    answered = 0

    async def one():
        nonlocal answered
        c.made += 1
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 60)
            writer.write(b"GET /ka HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
            body = await asyncio.wait_for(reader.readexactly(3), 60)
            if head.startswith(b"HTTP/1.1 200") and body == b"ok\n":
                c.ok += 1
        except Exception as e:
            print(f"ERROR burst: {e!r}", flush=True)
            writer = None
        answered += 1
        if answered == n:
            all_answered.set()
        await all_answered.wait()
        if writer is not None:
            writer.close()

    await asyncio.gather(*(one() for _ in range(n)))
    c.show(True)


def exit_mid_request(port):
    """Asks for /slow (answered after 3 s) and exits 300 ms later without reading the answer."""
    c = Counter("exit-mid-request")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.made += 1
    conn.request("GET", "/slow")
    c.show(True)
    time.sleep(0.3)
    os._exit(0)


if __name__ == "__main__":
    what, port = sys.argv[1], int(sys.argv[2])
    if what == "keepalive":
        http1("http1-keepalive", port, float(sys.argv[3]), close=False)
    elif what == "close":
        http1("http1-close", port, float(sys.argv[3]), close=True)
    elif what == "sse":
        sse(port, float(sys.argv[3]))
    elif what == "websocket":
        asyncio.run(ws(port, float(sys.argv[3])))
    elif what == "burst":
        asyncio.run(burst(port, int(sys.argv[3])))
    elif what == "exit-mid-request":
        exit_mid_request(port)
    else:
        sys.exit(f"unknown client {what}")
