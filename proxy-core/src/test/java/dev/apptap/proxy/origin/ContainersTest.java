package dev.apptap.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.ContainerInfo;
import dev.apptap.flow.ProcessInfo;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainersTest {

    static final String ID = "3f4e5d6c7b8a" + "0123456789abcdef".repeat(3) + "0123";

    @TempDir
    Path dir;

    @Test
    void findsDockersContainerIdInCgroupV1AndV2Paths() throws Exception {
        Path v1 = Files.writeString(dir.resolve("v1"), "12:pids:/docker/" + ID + "\n4:memory:/docker/" + ID + "\n");
        Path v2 = Files.writeString(dir.resolve("v2"), "0::/system.slice/docker-" + ID + ".scope\n");
        Path podman = Files.writeString(dir.resolve("podman"), "0::/machine.slice/libpod-" + ID + ".scope/container\n");
        Path host = Files.writeString(dir.resolve("host"), "0::/user.slice/user-1000.slice/session-2.scope\n");

        assertThat(Containers.idFromCgroup(v1)).contains(ID);
        assertThat(Containers.idFromCgroup(v2)).contains(ID);
        assertThat(Containers.idFromCgroup(podman)).contains(ID);
        assertThat(Containers.idFromCgroup(host)).isEmpty();
        assertThat(Containers.idFromCgroup(dir.resolve("gone"))).isEmpty();
    }

    @Test
    void readsThePidInsideTheContainerFromNsPid() throws Exception {
        Path status = Files.writeString(dir.resolve("status"), "Name:\twget\nTgid:\t4242\nNSpid:\t4242\t1\n");

        assertThat(Containers.pidInside(status)).isEqualTo(1);
    }

    @Test
    void asksTheEngineOnceForNameAndImage() throws Exception {
        Path socket = dir.resolve("docker.sock");
        AtomicInteger asked = new AtomicInteger();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread engine = new Thread(() -> answer(server, asked));
            engine.setDaemon(true);
            engine.start();
            Path proc = Files.createDirectories(dir.resolve("proc/4242"));
            Files.writeString(proc.resolve("cgroup"), "0::/system.slice/docker-" + ID + ".scope\n");
            Files.writeString(proc.resolve("status"), "NSpid:\t4242\t7\n");
            Containers containers = new Containers(List.of(dir.resolve("missing.sock"), socket));

            Optional<ContainerInfo> first = containers.of(dir.resolve("proc"), 4242);
            Optional<ContainerInfo> again = containers.of(dir.resolve("proc"), 4242);

            assertThat(first).contains(new ContainerInfo(ID, "web", "curl:8", 7));
            assertThat(again).isEqualTo(first);
            assertThat(asked).hasValue(1);
            ProcessInfo curl = new ProcessInfo(4242, "curl", "/usr/bin/curl", List.of("curl")).inContainer(first.get());
            assertThat(curl.describe()).isEqualTo("curl (pid 4242 in container web (curl:8, 3f4e5d6c7b8a, pid 7))");
        }
    }

    private static void answer(ServerSocketChannel server, AtomicInteger asked) {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                client.read(ByteBuffer.allocate(4096));
                asked.incrementAndGet();
                String body = "{\"Id\":\"" + ID + "\",\"Name\":\"/web\",\"Config\":{\"Image\":\"curl:8\"}}";
                client.write(ByteBuffer.wrap(("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8)));
            } catch (Exception closed) {
                return;
            }
        }
    }
}
