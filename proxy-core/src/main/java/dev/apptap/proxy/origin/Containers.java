package dev.apptap.proxy.origin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apptap.flow.ContainerInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which container a Linux process runs in: the id from {@code /proc/<pid>/cgroup} (Docker's {@code /docker/<id>} and
 * {@code docker-<id>.scope}, Podman's {@code libpod-<id>.scope}, containerd's {@code cri-containerd-<id>.scope}), its
 * pid inside the container from {@code NSpid} in {@code /proc/<pid>/status}, and its name and image from the
 * engine's API on its unix socket ({@code GET /containers/<id>/json}, Docker's and Podman's), remembered per id.
 *
 * <pre>{@code
 * Optional<ContainerInfo> container = Containers.system().of(pid);
 * }</pre>
 *
 * Without a readable socket (not root, no Docker) the container still has its id, with an empty name and image.
 */
final class Containers {

    private static final Pattern ID = Pattern.compile("(?:docker|libpod|cri-containerd|crio)[-/]([0-9a-f]{64})");
    private static final List<Path> SOCKETS = List.of(Path.of("/var/run/docker.sock"),
            Path.of("/run/podman/podman.sock"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Containers SYSTEM = new Containers(SOCKETS);

    private final List<Path> sockets;
    /** Names and images by container id; a container's never change. Bounded by the containers a test run meets. */
    private final Map<String, String[]> described = new ConcurrentHashMap<>();

    Containers(List<Path> sockets) {
        this.sockets = sockets;
    }

    static Containers system() {
        return SYSTEM;
    }

    /** The container process {@code pid} (under {@code proc}) runs in, if any. */
    Optional<ContainerInfo> of(Path proc, long pid) {
        Optional<String> id = idFromCgroup(proc.resolve(pid + "/cgroup"));
        if (id.isEmpty()) {
            return Optional.empty();
        }
        String[] nameAndImage = described.computeIfAbsent(id.get(), this::ask);
        return Optional.of(new ContainerInfo(id.get(), nameAndImage[0], nameAndImage[1],
                pidInside(proc.resolve(pid + "/status"))));
    }

    static Optional<String> idFromCgroup(Path cgroupFile) {
        try {
            Matcher m = ID.matcher(Files.readString(cgroupFile, StandardCharsets.UTF_8));
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        } catch (IOException | SecurityException gone) {
            return Optional.empty();
        }
    }

    /** The last field of {@code NSpid:}: the pid in the innermost pid namespace. */
    static long pidInside(Path statusFile) {
        try {
            for (String line : Files.readAllLines(statusFile, StandardCharsets.UTF_8)) {
                if (line.startsWith("NSpid:")) {
                    String[] fields = line.substring("NSpid:".length()).trim().split("\\s+");
                    return Long.parseLong(fields[fields.length - 1]);
                }
            }
        } catch (IOException | RuntimeException gone) {
            return -1;
        }
        return -1;
    }

    /** Name and image from the first engine that knows the id; two empty strings when none answers. */
    private String[] ask(String id) {
        for (Path socket : sockets) {
            if (!Files.exists(socket)) {
                continue;
            }
            try {
                JsonNode container = JSON.readTree(get(socket, "/containers/" + id + "/json"));
                String name = container.path("Name").asText("");
                return new String[] {name.startsWith("/") ? name.substring(1) : name,
                        container.path("Config").path("Image").asText("")};
            } catch (IOException | RuntimeException unanswered) {
                // not this engine's container, or the socket is not readable: try the next
            }
        }
        return new String[] {"", ""};
    }

    /** One HTTP/1.0 GET over a unix socket (the engine closes after the answer); the body of a 200 answer. */
    static String get(Path socket, String path) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
            while (channel.read(buffer) >= 0 && answer.size() < (4 << 20)) {
                answer.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            String text = answer.toString(StandardCharsets.UTF_8);
            int body = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.") || body < 0 || !text.substring(9, 12).equals("200")) {
                throw new IOException(socket + " answered GET " + path + " with "
                        + text.lines().findFirst().orElse("nothing"));
            }
            return text.substring(body + 4);
        }
    }
}
