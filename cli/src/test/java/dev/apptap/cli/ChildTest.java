package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apptap run}'s gated start: the command waits behind a FIFO until the redirector knows its pid. */
class ChildTest {

    @TempDir
    Path work;

    @Test
    void aGatedCommandRunsOnlyOnceOpenedAndLeavesNoFifoBehind() throws Exception {
        Path ran = work.resolve("ran");
        List<String> before = gateDirectories();

        Child.Gated gated = Child.startGated(List.of("touch", ran.toString()), System.getenv(), ChildOutput.decide());
        List<String> made = gateDirectories();
        made.removeAll(before);

        // the shell blocks on the FIFO, so the command cannot have run before the gate opens
        assertThat(gated.process().isAlive()).isTrue();
        assertThat(ran).doesNotExist();
        assertThat(made).singleElement();
        Path directory = tmp().resolve(made.get(0));
        assertThat(Files.readAttributes(directory.resolve("go"), BasicFileAttributes.class).isOther())
                .as("a FIFO, not a file").isTrue();

        gated.open();

        assertThat(gated.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gated.process().exitValue()).isZero();
        assertThat(gated.pid()).isEqualTo(gated.process().pid());
        assertThat(ran).exists();
        // the gate's opener deletes the FIFO and its directory once the shell has read from it
        for (int i = 0; i < 500 && Files.exists(directory); i++) {
            Thread.sleep(20);
        }
        assertThat(directory).doesNotExist();
    }

    private static Path tmp() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static List<String> gateDirectories() throws IOException {
        try (Stream<Path> files = Files.list(tmp())) {
            return files.map(p -> p.getFileName().toString()).filter(name -> name.startsWith("apptap-gate"))
                    .collect(Collectors.toCollection(ArrayList::new));
        }
    }
}
