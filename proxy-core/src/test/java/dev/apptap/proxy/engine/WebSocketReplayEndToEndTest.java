package dev.apptap.proxy.engine;

import static dev.apptap.proxy.rules.RequestMatcher.anyRequest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.WebSocketMessage;
import dev.apptap.proxy.har.HarWriter;
import dev.apptap.proxy.rules.Replay;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.TestPki;
import dev.apptap.proxy.testing.nft.CgroupRedirect;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record → replay of a WebSocket with a real client and server (Debian's python3-websockets): a session recorded to a
 * HAR through apptap is replayed with the server stopped, apptap answering the upgrade with 101 itself and sending
 * the server's recorded messages in their order, over ws:// and over wss:// (apptap's CA).
 */
class WebSocketReplayEndToEndTest {

    private static final Path DEBIAN_PYTHON = Path.of("/usr/bin/python3");

    /** Greets first, then upper-cases text and reverses binary; closes with 4000 after two replies when asked. */
    private static final String SERVER = String.join("\n",
            "import asyncio, websockets, sys, ssl",
            "closes = sys.argv[2] == 'server-closes'",
            "async def chat(ws, path):",
            "    await ws.send('welcome')",
            "    replies = 0",
            "    async for message in ws:",
            "        await ws.send(message.upper() if isinstance(message, str) else message[::-1])",
            "        replies += 1",
            "        if closes and replies == 2:",
            "            await ws.close(4000, 'bye')",
            "async def main():",
            "    context = None",
            "    if len(sys.argv) > 3:",
            "        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)",
            "        context.load_cert_chain(sys.argv[3], sys.argv[4])",
            "    async with websockets.serve(chat, '127.0.0.1', int(sys.argv[1]), ssl=context):",
            "        print('READY', flush=True)",
            "        await asyncio.Future()",
            "asyncio.run(main())");

    private static final String CLIENT = String.join("\n",
            "import asyncio, websockets, sys, ssl",
            "async def main():",
            "    context = ssl.create_default_context(cafile=sys.argv[2]) if sys.argv[1].startswith('wss') else None",
            "    async with websockets.connect(sys.argv[1], ssl=context) as ws:",
            "        print(await ws.recv())",
            "        await ws.send('hello')",
            "        print(await ws.recv())",
            "        await ws.send(bytes([1, 2, 3]))",
            "        print(list(await ws.recv()))",
            "        if sys.argv[3] == 'app-closes':",
            "            await asyncio.wait_for(await ws.ping(), 10)",
            "            print('pong')",
            "        if sys.argv[3] == 'server-closes':",
            "            try:",
            "                print(await ws.recv())",
            "            except websockets.ConnectionClosed as closed:",
            "                print('closed', closed.code, closed.reason)",
            "asyncio.run(main())");

    @TempDir
    Path dir;

    @BeforeEach
    void needsPythonWebsocketsAndCgroupRedirect() {
        Assumptions.assumeTrue(Files.isExecutable(DEBIAN_PYTHON) && Clients.command(DEBIAN_PYTHON.toString(), "-c",
                "import websockets").run().succeeded(),
                "Debian's python3-websockets is not installed; .ci/install-packages.sh installs it.");
        Assumptions.assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect::unavailableReason);
    }

    @Test
    void replaysARecordedWebSocketWithTheServerStoppedWhereTheAppCloses() throws Exception {
        String out = recordThenReplay(false, "app-closes");

        assertThat(out.lines()).as("apptap answers the app's ping, too").containsExactly("welcome", "HELLO",
                "[3, 2, 1]", "pong");
    }

    @Test
    void replaysARecordedWebSocketOverTlsWithTheServerStoppedWhereTheServerCloses() throws Exception {
        String out = recordThenReplay(true, "server-closes");

        assertThat(out.lines()).containsExactly("welcome", "HELLO", "[3, 2, 1]", "closed 4000 bye");
    }

    /** Records a session with the server, replays it without, and returns what the client printed in the replay. */
    private String recordThenReplay(boolean tls, String closing) throws Exception {
        int port = TransparentEndToEndTest.freePort();
        String url = (tls ? "wss" : "ws") + "://127.0.0.1:" + port + "/chat";
        Path har = dir.resolve("chat.har");
        List<String> server = new ArrayList<>(List.of(DEBIAN_PYTHON.toString(), "-c", SERVER, String.valueOf(port),
                closing));
        if (tls) {
            server.addAll(serverKeyFiles());
        }
        Process origin = new ProcessBuilder(server).redirectErrorStream(true).start();
        try {
            assertThat(new String(origin.getInputStream().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("READY");
            try (Session recording = Session.start(dir.resolve("trust-record"))) {
                String out = recording.run(url, closing);
                assertThat(out.lines()).startsWith("welcome", "HELLO", "[3, 2, 1]");
                // the recording is written once the WebSocket closed
                HttpFlow flow = recording.apptap.awaitHttp(f -> f.request().path().equals("/chat")
                        && f.webSocket().stream().anyMatch(m -> m.type() == WebSocketMessage.Type.CLOSE));
                HarWriter.write(List.of(flow), har);
            }
        } finally {
            origin.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }

        try (Session replay = Session.start(dir.resolve("trust-replay"))) {
            replay.apptap.engine.rules().on(anyRequest()).respond(Replay.of(har).answer());
            String out = replay.run(url, closing);

            HttpFlow flow = replay.apptap.awaitHttp(f -> f.request().path().equals("/chat"));
            assertThat(flow.response().orElseThrow().status()).isEqualTo(101);
            assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.STUBBED);
            assertThat(flow.webSocket()).extracting(WebSocketMessage::direction, WebSocketMessage::type).startsWith(
                    Tuple.tuple(WebSocketMessage.Direction.FROM_SERVER, WebSocketMessage.Type.TEXT),
                    Tuple.tuple(WebSocketMessage.Direction.FROM_APP, WebSocketMessage.Type.TEXT),
                    Tuple.tuple(WebSocketMessage.Direction.FROM_SERVER, WebSocketMessage.Type.TEXT),
                    Tuple.tuple(WebSocketMessage.Direction.FROM_APP, WebSocketMessage.Type.BINARY),
                    Tuple.tuple(WebSocketMessage.Direction.FROM_SERVER, WebSocketMessage.Type.BINARY));
            assertThat(flow.webSocket().get(1).text()).isEqualTo("hello");
            assertThat(flow.webSocket().get(4).payload().rawBytes()).containsExactly(3, 2, 1);
            assertThat(flow.webSocket()).filteredOn(m -> m.type() == WebSocketMessage.Type.CLOSE).first()
                    .satisfies(close -> assertThat(close.direction()).isEqualTo(closing.equals("server-closes")
                            ? WebSocketMessage.Direction.FROM_SERVER : WebSocketMessage.Direction.FROM_APP));
            return out;
        }
    }

    private List<String> serverKeyFiles() throws Exception {
        TestPki.ServerCertificate certificate = TestPki.get().serverCertificate();
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server-key.pem");
        Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + pem.encodeToString(certificate.leaf().getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + pem.encodeToString(certificate.key().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return List.of(cert.toString(), key.toString());
    }

    /** apptap's engine and a cgroup whose connections an nft rule sends to its transparent listener. */
    private record Session(EngineFixture apptap, CgroupRedirect redirect) implements AutoCloseable {

        static Session start(Path trust) throws Exception {
            int listener = TransparentEndToEndTest.freePort();
            EngineFixture apptap = EngineFixture.start(trust, b -> b.transparentListener(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), listener)));
            return new Session(apptap, CgroupRedirect.redirectTo(listener));
        }

        String run(String url, String closing) throws Exception {
            Process python = redirect.start(List.of(DEBIAN_PYTHON.toString(), "-c", CLIENT, url,
                    apptap.trust.caCertificate().toString(), closing), Map.of());
            String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(python.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(python.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(python.exitValue()).as("the client's exit; it wrote:%n%s%s", out, err).isZero();
            return out;
        }

        @Override
        public void close() {
            try {
                redirect.close();
            } finally {
                apptap.close();
            }
        }
    }
}
