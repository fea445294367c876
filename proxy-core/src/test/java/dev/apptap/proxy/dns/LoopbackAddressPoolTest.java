package dev.apptap.proxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackAddressPoolTest {

    @Test
    void givesEachNameAStableAddressIgnoringCaseAndTrailingDot() throws Exception {
        LoopbackAddressPool pool = new LoopbackAddressPool();

        InetAddress api = pool.addressOf("api.example.test");

        assertThat(api.getHostAddress()).isEqualTo("127.0.0.2");
        assertThat(pool.addressOf("API.Example.Test.")).isEqualTo(api);
        assertThat(pool.addressOf("other.test").getHostAddress()).isEqualTo("127.0.0.3");
        assertThat(pool.nameOf(InetAddress.getByName("127.0.0.3"))).contains("other.test");
        assertThat(pool.nameOf(InetAddress.getByName("127.0.0.99"))).isEmpty();
        assertThat(pool.size()).isEqualTo(2);
    }

    @Test
    void skipsAddressesThatLocalServicesAlreadyUse() {
        LoopbackAddressPool pool = new LoopbackAddressPool();
        Set<String> handedOut = new HashSet<>();

        for (int i = 0; i < 600; i++) {
            handedOut.add(pool.addressOf("host" + i + ".test").getHostAddress());
        }

        assertThat(handedOut).hasSize(600)
                .doesNotContain("127.0.0.1", "127.0.0.11", "127.0.0.53", "127.0.0.54", "127.0.1.1",
                        "127.0.0.255", "127.0.1.0", "127.0.2.0")
                .allMatch(address -> address.startsWith("127."));
    }
}
