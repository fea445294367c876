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
}
