package dev.apptap.proxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("resolv.conf"), text);
    }

    @Test
    void takesTheFirstNameserverOnPort53() throws IOException {
        Path conf = file("# generated\n; comment\nsearch example.com\nnameserver 127.0.0.53\nnameserver 10.9.9.9\n");

        assertThat(ResolvConf.firstNameserver(conf)).hasValueSatisfying(address -> {
            assertThat(address.getAddress().getHostAddress()).isEqualTo("127.0.0.53");
            assertThat(address.getPort()).isEqualTo(53);
        });
    }

    @Test
    void readsIpv6NameserversWithAScope() throws IOException {
        assertThat(ResolvConf.firstNameserver(file("nameserver   fe80::1%1\n")))
                .map(InetSocketAddress::getPort).contains(53);
        assertThat(ResolvConf.firstNameserver(file("nameserver ::1\n")))
                .map(a -> a.getAddress().isLoopbackAddress()).contains(true);
    }

    @Test
    void skipsHostNamesAndGarbageRatherThanResolvingThem() throws IOException {
        Path conf = file("nameserver dns.example.com\nnameserver dead.beef\nnameserver\nnameserver 192.0.2.1\n");

        assertThat(ResolvConf.firstNameserver(conf)).map(a -> a.getAddress().getHostAddress()).contains("192.0.2.1");
    }

    @Test
    void findsNothingInAFileWithoutNameserversOrNoFileAtAll() throws IOException {
        assertThat(ResolvConf.firstNameserver(file("options ndots:5\n"))).isEmpty();
        assertThat(ResolvConf.firstNameserver(dir.resolve("missing"))).isEmpty();
    }
}
