package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.Flows;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * A HAR directory that cannot take the file (a full disk, a read-only one): the test's own outcome stands, its
 * flows are still reported, and the apptap.har entry says in a sentence why no HAR was written and what to do.
 */
class HarFaultsTest {

    @Test
    void aFullDiskLeavesTheFailureAndTheFlowTableAndSaysWhyThereIsNoHar() throws Exception {
        try (TinyTmpfs disk = TinyTmpfs.full()) {
            EngineExecutionResults results = new Kit().with(Config.REPORT_DIR, disk.mountPoint.toString())
                    .run(DiagnosticsTest.FailsAfterCurl.class);

            results.testEvents().assertStatistics(s -> s.started(1).failed(1));
            assertThat(Kit.failures(results)).contains("on purpose").doesNotContain("IOException");
            assertThat(Kit.entries(results, "apptap.flows").get(0)).contains("curl GET").contains("/har-me");
            assertThat(Kit.entries(results, "apptap.har")).singleElement().asString()
                    .startsWith("apptap could not write the HAR file " + disk.mountPoint)
                    .contains("No space left on device")
                    .contains("set apptap.report.dir to another directory");
            assertThat(disk.mountPoint.resolve(DiagnosticsTest.FailsAfterCurl.class.getName()).resolve("failsOnPurpose.har.tmp"))
                    .as("a half-written HAR is removed").doesNotExist();
            assertThat(Kit.entries(results, "apptap.report")).singleElement().asString()
                    .startsWith("apptap could not write the report").contains(disk.mountPoint.toString())
                    .contains("No space left on device").endsWith("set apptap.report.dir to another directory.");
            assertThat(disk.mountPoint.resolve("report.html.tmp")).as("a half-written report is removed").doesNotExist();
        }
    }

    @Test
    void aReadOnlyHarDirectoryLetsAPassingTestPassAndSaysWhyThereIsNoHar() throws Exception {
        try (TinyTmpfs disk = TinyTmpfs.readOnly()) {
            EngineExecutionResults results = new Kit().with(Config.REPORT_DIR, disk.mountPoint.toString())
                    .with(Config.HAR, "always").run(PassesAfterCurl.class);

            assertThat(results.testEvents().failed().count()).as(Kit.failures(results)).isZero();
            assertThat(Kit.entries(results, "apptap.har")).singleElement().asString()
                    .startsWith("apptap could not write the HAR file " + disk.mountPoint)
                    .contains("Read-only file system");
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class PassesAfterCurl {
        @Test
        void passes(Apps apps, Flows flows) {
            assertThat(apps.run("curl", "-sS", LocalOrigin.get().https("/har-on-read-only-disk")).exitCode()).isZero();
            Scenarios.single(flows);
        }
    }
}
