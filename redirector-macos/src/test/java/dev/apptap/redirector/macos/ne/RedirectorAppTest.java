package dev.apptap.redirector.macos.ne;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedirectorAppTest {

    @TempDir
    Path directory;

    @Test
    void removesSocketsOfJvmsThatNoLongerRunAndKeepsTheLiveOnes() throws Exception {
        long dead = Long.MAX_VALUE;
        Path stale = Files.createFile(directory.resolve("apptap-ne-" + dead + "-0a1b2c.sock"));
        Path live = Files.createFile(directory.resolve("apptap-ne-" + ProcessHandle.current().pid() + "-3d4e5f.sock"));
        Path other = Files.createFile(directory.resolve("apptap-ne-notapid.sock"));

        RedirectorApp.removeStaleSockets(directory, "apptap-ne");

        assertThat(stale).doesNotExist();
        assertThat(live).exists();
        assertThat(other).exists();
    }

    @Test
    void socketPathsStayUnderTmpAndWithinMacosLimit() {
        Path socket = RedirectorApp.newSocketPath("apptap-ne");
        assertThat(socket.toString()).startsWith("/tmp/apptap-ne-" + ProcessHandle.current().pid() + "-");
        assertThat(socket.toString().length()).isLessThan(104);
    }
}
