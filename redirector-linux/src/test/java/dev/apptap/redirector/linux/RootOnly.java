package dev.apptap.redirector.linux;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The redirector loads eBPF programs, which needs root; CI runs these tests as root. */
final class RootOnly {

    private RootOnly() {
    }

    static void assumeRoot() {
        assumeTrue(LinuxRedirectorProvider.effectiveUid() == 0,
                "These tests load eBPF programs into the kernel, which needs root; run them as root.");
        assumeTrue(new LinuxRedirectorProvider().unavailableReason().isEmpty(),
                () -> new LinuxRedirectorProvider().unavailableReason().orElse(""));
    }
}
