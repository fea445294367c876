package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which JVMs share one report page: the forks of one Surefire run, or those given one apptap.report.run. */
class RunReportTest {

    @Test
    void forksOfOneSurefireRunShareTheirRun() {
        String first = RunReport.run(null, "-jar", "target/surefire/surefirebooter-1.jar", "target/surefire",
                "2026-12-04T22-56-37_573-jvmRun1", "surefire-1tmp");
        String third = RunReport.run(null, "-jar", "target/surefire/surefirebooter-3.jar", "target/surefire",
                "2026-12-04T22-56-37_573-jvmRun3", "surefire-3tmp");

        assertThat(first).isEqualTo(third).contains("2026-12-04T22-56-37_573");
        assertThat(RunReport.run(null, "2026-12-04T23-10-00_001-jvmRun1")).isNotEqualTo(first);
    }

    @Test
    void aConfiguredRunWinsAndAJvmWithoutOneHasItsOwn() {
        assertThat(RunReport.run(" build-42 ", "2026-12-04T22-56-37_573-jvmRun1")).isEqualTo("build-42");
        assertThat(RunReport.run(null, "-cp", "app.jar")).contains(String.valueOf(ProcessHandle.current().pid()));
    }
}
