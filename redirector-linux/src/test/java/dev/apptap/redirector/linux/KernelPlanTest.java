package dev.apptap.redirector.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.proxy.redirect.InterceptSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The spec → kernel maps translation, without a kernel. */
class KernelPlanTest {

    private static Map<Long, Procfs.Proc> tree() {
        // 1 init ─ 10 bash ─ 20 sh ─ 30 curl
        //                  └ 40 curl ─ 50 helper
        //        └ 60 python3
        return Map.of(
                1L, new Procfs.Proc(1, 0, "systemd", "systemd"),
                10L, new Procfs.Proc(10, 1, "bash", "bash"),
                20L, new Procfs.Proc(20, 10, "dash", "sh"),
                30L, new Procfs.Proc(30, 20, "curl", "curl"),
                40L, new Procfs.Proc(40, 10, "curl", "curl"),
                50L, new Procfs.Proc(50, 40, "git-remote-https", "git-remote-http"),
                60L, new Procfs.Proc(60, 1, "python3.11", "python3"));
    }

    @Test
    void namesGetTheSpecsVerdictAndExclusionsAreMarked() {
        KernelPlan plan = new KernelPlan(InterceptSpec.parse("curl,!wget"));

        assertThat(plan.defaultIntercept()).isFalse();
        assertThat(plan.names()).containsEntry("curl", new KernelPlan.NameVerdict(true, false))
                .containsEntry("wget", new KernelPlan.NameVerdict(false, true));
    }

    @Test
    void runningProcessesAndTheirDescendantsAreMatched() {
        Map<Long, KernelPlan.Verdict> entries = new KernelPlan(InterceptSpec.parse("sh")).processes(tree());

        assertThat(entries).containsOnlyKeys(20L, 30L);
        assertThat(entries.get(20L)).isEqualTo(new KernelPlan.Verdict(true, false, false));
        assertThat(entries.get(30L)).isEqualTo(new KernelPlan.Verdict(true, true, false));
    }

    @Test
    void anExcludedDescendantStaysOut() {
        Map<Long, KernelPlan.Verdict> entries = new KernelPlan(InterceptSpec.parse("sh,!curl")).processes(tree());

        assertThat(entries.get(30L)).isEqualTo(new KernelPlan.Verdict(false, true, false));
    }

    @Test
    void anInterceptByDefaultSpecOnlyStoresTheExceptions() {
        Map<Long, KernelPlan.Verdict> entries = new KernelPlan(InterceptSpec.parse("!curl")).processes(tree());

        assertThat(entries).containsOnlyKeys(30L, 40L);
        assertThat(entries.values()).allSatisfy(v -> assertThat(v.intercept()).isFalse());
    }

    @Test
    void pidsArePinnedAndNamesMatchTheExecutableOrTheComm() {
        Map<Long, KernelPlan.Verdict> entries = new KernelPlan(InterceptSpec.parse("60,git-remote-https")).processes(tree());

        assertThat(entries.get(60L)).isEqualTo(new KernelPlan.Verdict(true, false, true));
        assertThat(entries.get(50L).intercept()).isTrue();
        assertThat(KernelPlan.nameKey("curl")).hasSize(KernelPlan.NAME_LEN).startsWith((byte) 'c', (byte) 'u');
        assertThat(KernelPlan.nameKey("x".repeat(64))).isNull();
    }

    @Test
    void aScopeHoldsTheRootsDescendantsAndNothingElse() {
        assertThat(Procfs.descendants(10, tree())).containsExactlyInAnyOrder(20L, 30L, 40L, 50L);
        assertThat(Procfs.descendants(40, tree())).containsExactly(50L);
        assertThat(Procfs.descendants(60, tree())).isEmpty();
    }

    @Test
    void theCgroupV2RootIsFoundInMountinfoOnHybridHosts() {
        List<String> mountinfo = List.of(
                "25 30 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
                "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw",
                "27 25 0:24 / /sys/fs/cgroup/systemd rw shared:11 - cgroup cgroup rw,name=systemd");

        assertThat(CgroupRoot.find(mountinfo)).hasValue(Path.of("/sys/fs/cgroup/unified"));
        assertThat(CgroupRoot.find(List.of("26 25 0:23 /sub /mnt/x rw - cgroup2 cgroup2 rw"))).isEmpty();
    }
}
