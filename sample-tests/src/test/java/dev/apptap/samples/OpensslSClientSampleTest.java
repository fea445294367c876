package dev.apptap.samples;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.junit.InterceptRuntime;
import dev.apptap.flow.Flows;
import dev.apptap.flow.TcpFlow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Not every app speaks HTTP: {@code openssl s_client} talks a line protocol (ping → pong) over TLS to a local server.
 * apptap decrypts the TLS, finds no HTTP inside and relays the bytes as they are, recording a {@link TcpFlow}: the
 * TLS facts and the bytes each way.
 *
 * <p>OSPROXY only: s_client ignores proxy variables (its {@code -proxy} option is the only way through a proxy).
 * Where OSPROXY is unavailable these tests are skipped with the reason.
 */
@InterceptApps(value = "openssl", mode = InterceptMode.OSPROXY)
class OpensslSClientSampleTest {

    static final Duration PATIENCE = Duration.ofSeconds(5);

    static ServerSocket pingServer;
    static final ExecutorService connections = Executors.newCachedThreadPool();

    /** Answers each line {@code ping x} with {@code pong x}, over TLS with a certificate apptap trusts upstream. */
    @BeforeAll
    static void startThePingServer() throws Exception {
        pingServer = LocalApi.start().tls("api.example.test").getServerSocketFactory()
                .createServerSocket(0, 16, InetAddress.getLoopbackAddress());
        connections.submit(() -> {
            while (!pingServer.isClosed()) {
                try {
                    Socket connection = pingServer.accept();
                    connections.submit(() -> answer(connection));
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    @AfterAll
    static void stopThePingServer() throws IOException {
        pingServer.close();
        connections.shutdownNow();
    }

    @Test
    void speaksALineProtocolOverTls(Apps apps, Flows flows, InterceptRuntime apptap) throws Exception {
        // Started by hand, to type into it: Apps gives its programs an empty standard input.
        ProcessBuilder builder = new ProcessBuilder("openssl", "s_client", "-quiet", "-no_ign_eof",
                "-connect", "127.0.0.1:" + pingServer.getLocalPort(), "-servername", "api.example.test",
                "-CAfile", apptap.caBundle().toString(), "-verify_return_error");
        builder.environment().putAll(apptap.environment());
        Process openssl = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start();
        apps.track(openssl.toHandle());
        BufferedReader answers = new BufferedReader(new InputStreamReader(openssl.getInputStream(),
                StandardCharsets.UTF_8));

        try (Writer typing = new PrintWriter(openssl.getOutputStream(), true, StandardCharsets.UTF_8)) {
            typing.write("ping apptap\n");
            typing.flush();
            String answer = CompletableFuture.supplyAsync(() -> readLine(answers)).get(20, TimeUnit.SECONDS);
            assertThat(answer).isEqualTo("pong apptap");
        } // end of input: -no_ign_eof makes s_client close the connection and exit
        assertThat(openssl.waitFor(20, TimeUnit.SECONDS)).isTrue();

        assertThat(flows).within(PATIENCE)
                .filteredOn(flow -> flow instanceof TcpFlow tcp && tcp.isComplete())
                .singleElement()
                .fromProcess("openssl")
                .usedTls()
                .hasSni("api.example.test")
                .hasNoError()
                .matches(flow -> ((TcpFlow) flow).fromClient().text().equals("ping apptap\n"), "sent ping apptap")
                .matches(flow -> ((TcpFlow) flow).fromServer().text().equals("pong apptap\n"), "got pong apptap");
        assertThat(flows.httpFlows()).as("no HTTP in there").isEmpty();
    }

    private static void answer(Socket connection) {
        try (connection;
             BufferedReader lines = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                     StandardCharsets.UTF_8));
             OutputStream out = connection.getOutputStream()) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                String answer = (line.startsWith("ping ") ? "pong " + line.substring(5) : "error " + line) + "\n";
                out.write(answer.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String readLine(BufferedReader reader) {
        try {
            return reader.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
