package dev.apptap.redirector.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UDP to port 53 from a matched process reaches the responder in the target, and the reply comes back from the
 * address the app sent to (recvmsg hooks). A stand-in responder echoes; the queries go to 127.0.0.99:53, where
 * nothing listens, so a missed redirect stays on loopback.
 */
class DnsRedirectTest {

    @TempDir
    Path dir;

    @Test
    void dnsFromAMatchedProcessReachesTheResponderAndTheReplyKeepsItsSource() throws Exception {
        RootOnly.assumeRoot();
        List<String> seen = new CopyOnWriteArrayList<>();
        try (Harness h = new Harness(dir);
             DatagramSocket responder = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            Thread echo = new Thread(() -> {
                byte[] buffer = new byte[512];
                while (!responder.isClosed()) {
                    try {
                        DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                        responder.receive(query);
                        String text = new String(query.getData(), 0, query.getLength(), StandardCharsets.UTF_8);
                        seen.add(text);
                        byte[] answer = ("answer:" + text).getBytes(StandardCharsets.UTF_8);
                        responder.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
                    } catch (Exception closed) {
                        return;
                    }
                }
            });
            echo.setDaemon(true);
            echo.start();
            RedirectTarget target = new RedirectTarget(h.target().tcpIpv4(), h.target().tcpIpv6(),
                    Optional.of((InetSocketAddress) responder.getLocalSocketAddress()), Set.of(ProcessHandle.current().pid()));
            String code = "import socket\n"
                    + "def ask(family, addr, connected, tag):\n"
                    + "    s = socket.socket(family, socket.SOCK_DGRAM); s.settimeout(5)\n"
                    + "    if connected:\n"
                    + "        s.connect(addr); s.send(tag.encode()); data = s.recv(512); src = s.getpeername()\n"
                    + "    else:\n"
                    + "        s.sendto(tag.encode(), addr); data, src = s.recvfrom(512)\n"
                    + "    print(tag, data.decode(), src[0], src[1])\n"
                    + "ask(socket.AF_INET, ('127.0.0.99', 53), False, 'v4-sendto')\n"
                    + "ask(socket.AF_INET, ('127.0.0.99', 53), True, 'v4-connected')\n"
                    + "ask(socket.AF_INET6, ('::ffff:127.0.0.99', 53), False, 'mapped-sendto')\n";
            try (Redirector redirector = new LinuxRedirectorProvider().start(target)) {
                redirector.intercept(InterceptSpec.parse("python3"));
                Harness.Run run = h.run(List.of("/usr/bin/python3", "-c", code));

                assertThat(run.out()).as("%s", run)
                        .contains("v4-sendto answer:v4-sendto 127.0.0.99 53")
                        .contains("v4-connected answer:v4-connected 127.0.0.99 53")
                        .contains("mapped-sendto answer:mapped-sendto ::ffff:127.0.0.99 53");
                assertThat(seen).containsExactly("v4-sendto", "v4-connected", "mapped-sendto");
            }
        }
    }
}
