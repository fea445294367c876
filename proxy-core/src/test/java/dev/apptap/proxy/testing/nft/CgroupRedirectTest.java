package dev.apptap.proxy.testing.nft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CgroupRedirectTest {

    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void findsTheCgroup2MountOfAHybridHostInMountinfo() {
        List<String> mountinfo = List.of(
                "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
                "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw");

        assertThat(Cgroup2Mount.parse(mountinfo))
                .contains(new Cgroup2Mount(Path.of("/sys/fs/cgroup/unified"), "/"));
        assertThat(Cgroup2Mount.parse(mountinfo).orElseThrow().childLevel()).isEqualTo(1);
    }

    @Test
    void countsTheMountsRootIntoTheChildsLevel() {
        Cgroup2Mount narrowed = Cgroup2Mount.parse(List.of(
                "29 23 0:26 /system.slice/ci.service /sys/fs/cgroup rw - cgroup2 cgroup2 rw")).orElseThrow();

        assertThat(narrowed.childLevel()).isEqualTo(3);
    }

    @Test
    void decodesOctalEscapesInMountPoints() {
        assertThat(Cgroup2Mount.unescape("/mnt/my\\040cgroups")).isEqualTo("/mnt/my cgroups");
        assertThat(Cgroup2Mount.unescape("/a\\b")).isEqualTo("/a\\b");
    }

    @Test
    void treatsOnlyApptapNamesOfDeadOwnersAsStale() throws Exception {
        Process done = new ProcessBuilder("true").start();
        done.waitFor();

        assertThat(CgroupRedirect.ownerIsGone("apptap_test_" + done.pid() + "_0123abcd")).isTrue();
        assertThat(CgroupRedirect.ownerIsGone("apptap-test-" + done.pid() + "-0123abcd")).isTrue();
        assertThat(CgroupRedirect.ownerIsGone("apptap_test_" + SELF + "_0123abcd")).isFalse();
        assertThat(CgroupRedirect.ownerIsGone("apptap_test_manual")).isFalse();
    }

    @Test
    void rejectsAPortOutsideTheTcpRange() {
        assertThatThrownBy(() -> CgroupRedirect.redirectTo(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The listener port must be between 1 and 65535, but it was 0.");
    }

    @Test
    void matchesItsCgroupByThePathNftResolvesBelowSysFsCgroup() throws Exception {
        assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect.unavailableReason());
        try (CgroupRedirect redirect = CgroupRedirect.redirectTo(15001)) {
            String relative = Path.of("/sys/fs/cgroup").relativize(redirect.cgroup()).toString();

            assertThat(redirect.cgroup()).isDirectory();
            assertThat(redirect.table()).startsWith("apptap_test_" + SELF + "_");
            assertThat(redirect.ruleset()).contains("socket cgroupv2 level", "\"" + relative + "\"",
                    "tcp dport != 15001 redirect to :15001");
            assertThat(CgroupRedirect.nft("list table inet " + redirect.table() + "\n")).contains(relative);
        }
    }

    @Test
    void refusesToStartProcessesOnceClosed() throws Exception {
        assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect.unavailableReason());
        CgroupRedirect redirect = CgroupRedirect.redirectTo(15001);
        redirect.close();
        redirect.close();

        assertThatThrownBy(() -> redirect.command("true"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed; create a new one");
    }

    @Test
    void cleansUpWhatADeadJvmLeftButNotWhatALiveOneOwns() throws Exception {
        assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect.unavailableReason());
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        String staleTable = "apptap_test_" + done.pid() + "_0badf00d";
        String liveTable = "apptap_test_" + SELF + "_0badf00d";
        Path mount = Cgroup2Mount.find().orElseThrow().mountPoint();
        Path staleCgroup = Files.createDirectory(mount.resolve("apptap-test-" + done.pid() + "-0badf00d"));
        CgroupRedirect.nft("add table inet " + staleTable + "\nadd table inet " + liveTable + "\n");
        try {
            CgroupRedirect.cleanupStale();

            String tables = CgroupRedirect.nft("list tables\n");
            assertThat(tables).doesNotContain(staleTable).contains(liveTable);
            assertThat(staleCgroup).doesNotExist();
        } finally {
            CgroupRedirect.nft("delete table inet " + liveTable + "\n");
            Files.deleteIfExists(staleCgroup);
        }
    }
}
