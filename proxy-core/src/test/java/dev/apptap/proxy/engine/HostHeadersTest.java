package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostHeadersTest {

    @Test
    void splitsNamesAndIpLiteralsFromTheirPorts() {
        assertThat(HostHeaders.host("api.example.test:8080")).isEqualTo("api.example.test");
        assertThat(HostHeaders.host("api.example.test")).isEqualTo("api.example.test");
        assertThat(HostHeaders.host("[::1]:443")).isEqualTo("::1");
        assertThat(HostHeaders.host("[::1]")).isEqualTo("::1");
        assertThat(HostHeaders.host("127.0.0.1:80")).isEqualTo("127.0.0.1");
    }

    @Test
    void bracketsIpv6LiteralsInAuthorities() {
        assertThat(Addresses.authority("::1", 8443, 443)).isEqualTo("[::1]:8443");
        assertThat(Addresses.authority("example.test", 443, 443)).isEqualTo("example.test");
        assertThat(Addresses.isIpLiteral("10.0.0.1")).isTrue();
        assertThat(Addresses.isIpLiteral("::1")).isTrue();
        assertThat(Addresses.isIpLiteral("1.example.test")).isFalse();
    }

    @Test
    void givesAHostHeaderWithoutAPortThePortTheAppConnectedTo() {
        assertThat(HostHeaders.withPort("127.0.0.1", 18080, 80)).isEqualTo("127.0.0.1:18080");
        assertThat(HostHeaders.withPort("api.example.test", 8443, 443)).isEqualTo("api.example.test:8443");
        assertThat(HostHeaders.withPort("[::1]", 18080, 80)).isEqualTo("[::1]:18080");
        assertThat(HostHeaders.withPort("::1", 18080, 80)).as("an unbracketed IPv6 literal").isEqualTo("[::1]:18080");
    }

    @Test
    void keepsAHostHeaderThatNamesAPortOrWhenTheAppUsedTheDefaultPort() {
        assertThat(HostHeaders.withPort("127.0.0.1:9999", 18080, 80)).as("the header's own port wins")
                .isEqualTo("127.0.0.1:9999");
        assertThat(HostHeaders.withPort("[::1]:8443", 18080, 443)).isEqualTo("[::1]:8443");
        assertThat(HostHeaders.withPort("example.test", 80, 80)).isEqualTo("example.test");
        assertThat(HostHeaders.withPort("example.test", 443, 443)).isEqualTo("example.test");
    }
}
