package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.WebSocketMessage;
import dev.apptap.proxy.har.HarWriter;
import dev.apptap.proxy.testing.nft.CgroupRedirect;
import dev.apptap.proxy.testing.Clients;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real WebSocket client and server (Debian's python3-websockets) through apptap's proxy: the upgrade is
 * relayed byte for byte and each message is recorded with its direction, type and payload while it happens.
 */
class WebSocketEndToEndTest {

    private static final Path DEBIAN_PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;

    @Test
    void recordsEachMessageOfAWebSocketSessionAsItHappens() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(DEBIAN_PYTHON) && Clients.command(DEBIAN_PYTHON.toString(), "-c",
                "import websockets").run().succeeded(), "Debian's python3-websockets is not installed; .ci/install-packages.sh installs it.");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process server = new ProcessBuilder(DEBIAN_PYTHON.toString(), "-c", String.join("\n",
                "import asyncio, websockets, sys",
                "async def echo(ws, path):",
                "    async for message in ws:",
                "        await ws.send(message.upper() if isinstance(message, str) else message[::-1])",
                "async def main():",
                "    async with websockets.serve(echo, '127.0.0.1', int(sys.argv[1])):",
                "        print('READY', flush=True)",
                "        await asyncio.Future()",
                "asyncio.run(main())"), String.valueOf(port)).redirectErrorStream(true).start();
        Assumptions.assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect::unavailableReason);
        int listener = TransparentEndToEndTest.freePort();
        try (EngineFixture apptap = EngineFixture.start(dir.resolve("trust"), b -> b.transparentListener(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), listener)));
             CgroupRedirect redirect = CgroupRedirect.redirectTo(listener)) {
            assertThat(new String(server.getInputStream().readNBytes(5))).isEqualTo("READY");
            String client = String.join("\n",
                    "import asyncio, websockets, sys",
                    "async def main():",
                    "    async with websockets.connect(sys.argv[1]) as ws:",
                    "        await ws.send('hello')",
                    "        print(await ws.recv())",
                    "        await ws.send(bytes([1, 2, 3]))",
                    "        print(list(await ws.recv()))",
                    "asyncio.run(main())");
            // the client runs in a cgroup whose connections an nft rule sends to apptap's transparent listener
            Process python = redirect.start(List.of(DEBIAN_PYTHON.toString(), "-c", client, "ws://127.0.0.1:" + port + "/chat"),
                    Map.of());
            String out = new String(python.getInputStream().readAllBytes());
            assertThat(python.waitFor(30, TimeUnit.SECONDS)).isTrue();

            assertThat(out).contains("HELLO").contains("[3, 2, 1]");
            HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/chat") && f.webSocket().size() >= 5);
            assertThat(flow.response().orElseThrow().status()).isEqualTo(101);
            List<WebSocketMessage> messages = flow.webSocket();
            assertThat(messages).extracting(WebSocketMessage::direction, WebSocketMessage::type).startsWith(
                    Tuple.tuple(WebSocketMessage.Direction.FROM_APP, WebSocketMessage.Type.TEXT),
                    Tuple.tuple(WebSocketMessage.Direction.FROM_SERVER, WebSocketMessage.Type.TEXT),
                    Tuple.tuple(WebSocketMessage.Direction.FROM_APP, WebSocketMessage.Type.BINARY),
                    Tuple.tuple(WebSocketMessage.Direction.FROM_SERVER, WebSocketMessage.Type.BINARY));
            assertThat(messages.get(0).text()).isEqualTo("hello");
            assertThat(messages.get(1).text()).isEqualTo("HELLO");
            assertThat(messages.get(3).payload().rawBytes()).containsExactly(3, 2, 1);
            assertThat(messages).anySatisfy(m -> {
                assertThat(m.type()).isEqualTo(WebSocketMessage.Type.CLOSE);
                assertThat(m.closeCode()).isEqualTo(1000);
            });

            // in the HAR as Chrome writes them, so that HAR viewers list the messages
            JsonNode entry = HarWriter.toHar(List.of(flow)).at("/log/entries/0");
            assertThat(entry.get("_resourceType").asText()).isEqualTo("websocket");
            JsonNode har = entry.get("_webSocketMessages");
            assertThat(har).hasSize(4);
            assertThat(har.get(0).get("type").asText()).isEqualTo("send");
            assertThat(har.get(0).get("opcode").asInt()).isEqualTo(1);
            assertThat(har.get(0).get("data").asText()).isEqualTo("hello");
            assertThat(har.get(1).get("type").asText()).isEqualTo("receive");
            assertThat(har.get(1).get("data").asText()).isEqualTo("HELLO");
            assertThat(har.get(3).get("opcode").asInt()).isEqualTo(2);
            assertThat(har.get(3).get("data").asText()).isEqualTo("AwIB");
            assertThat(har.get(3).get("time").asDouble()).isGreaterThanOrEqualTo(har.get(0).get("time").asDouble())
                    .isGreaterThan(1.7e9);
        } finally {
            server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }


}
