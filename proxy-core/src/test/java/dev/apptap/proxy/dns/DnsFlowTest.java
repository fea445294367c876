package dev.apptap.proxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Endpoint;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.ProcessInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsFlowTest {

    private static final ProcessInfo CURL = new ProcessInfo(42, "curl", "/usr/bin/curl", List.of("curl"));

    private static DnsFlow started(DnsFlow.Resolution resolution) {
        return DnsFlow.started(1, Instant.EPOCH, CURL, Endpoint.of("127.0.0.1", 40000), Endpoint.of("127.0.0.53", 53),
                "api.example.test", "A", DnsFlow.Transport.UDP, resolution);
    }

    @Test
    void summarisesEachWayAQueryCanEnd() {
        assertThat(started(DnsFlow.Resolution.STUBBED).answered("NOERROR", List.of("127.0.0.2"), Duration.ofMillis(1))
                .summary()).isEqualTo("curl DNS A api.example.test → 127.0.0.2 (stubbed)");
        assertThat(started(DnsFlow.Resolution.FORWARDED).summary())
                .isEqualTo("curl DNS A api.example.test … (forwarded)");
        assertThat(started(DnsFlow.Resolution.FORWARDED).answered("NXDOMAIN", List.of(), Duration.ofMillis(12))
                .summary()).isEqualTo("curl DNS A api.example.test → NXDOMAIN (forwarded, 12 ms)");
        DnsFlow failed = started(DnsFlow.Resolution.FORWARDED)
                .withError(new FlowError(FlowError.Kind.UPSTREAM_TIMEOUT, "No answer."))
                .answered("SERVFAIL", List.of(), Duration.ofSeconds(3));
        assertThat(failed.summary()).isEqualTo("curl DNS A api.example.test ✗ No answer.");
        assertThat(failed.resolution()).isEqualTo(DnsFlow.Resolution.FAILED);
        assertThat(failed.isComplete()).isTrue();
        assertThat(failed.tls()).isEmpty();
    }
}
