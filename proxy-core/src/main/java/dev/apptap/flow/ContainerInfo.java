package dev.apptap.flow;

import java.util.Objects;

/**
 * The container a process runs in, as its engine (Docker) names it.
 *
 * <pre>{@code
 * flow.process().container().ifPresent(c -> System.out.println(c.name() + " (" + c.image() + ")"));
 * }</pre>
 *
 * @param id    the container's full id (64 hex digits for Docker)
 * @param name  its name without Docker's leading slash ({@code busy_wozniak}); empty when the engine did not say
 * @param image the image it was started from, as given ({@code busybox:1.36}); empty when the engine did not say
 * @param pid   the process's id inside the container's pid namespace (1 for its first process); {@code -1} unknown
 */
public record ContainerInfo(String id, String name, String image, long pid) {

    public ContainerInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
    }

    /** The first 12 digits of the id, as {@code docker ps} shows it. */
    public String shortId() {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** {@code container busy_wozniak (busybox:1.36, 3f4e5d6c7b8a, pid 1)}: for messages. */
    public String describe() {
        return "container " + (name.isEmpty() ? shortId() : name) + " (" + (image.isEmpty() ? "" : image + ", ")
                + shortId() + (pid >= 0 ? ", pid " + pid : "") + ")";
    }
}
