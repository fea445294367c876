package dev.apptap.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.flow.ProcessInfo;
import dev.apptap.proxy.testing.nft.CgroupRedirect;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real path end to end: curl in a redirected cgroup, an nft redirect, a Netty epoll listener, and the
 * resolvers reading the accepted socket. Loopback only; nothing leaves the machine.
 */
class TransparentRedirectTest {

    private final SoOriginalDst origin = new SoOriginalDst();
    private final ProcfsProcessResolver processes = new ProcfsProcessResolver();
    private LoopbackListener listener;
    private CgroupRedirect redirect;

    @BeforeEach
    void redirectACgroupToTheListener() throws Exception {
        assumeTrue(Epoll.isAvailable(), "Netty's epoll transport is unavailable here, so this is not Linux.");
        assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect.unavailableReason());
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")),
                "These tests drive /usr/bin/curl, which is not installed; run .ci/install-packages.sh.");
        listener = new LoopbackListener();
        redirect = CgroupRedirect.redirectTo(listener.port());
    }

    @AfterEach
    void removeTheRedirect() {
        if (redirect != null) {
            redirect.close();
        }
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void readsTheOriginalIpv4DestinationOfARedirectedCurl() throws Exception {
        int closedPort = unusedPort();

        assertThat(originalDestinationOfCurl("http://127.0.0.1:" + closedPort + "/"))
                .isEqualTo(new InetSocketAddress("127.0.0.1", closedPort));
    }

    @Test
    void readsTheOriginalDestinationOfAnotherLoopbackAddress() throws Exception {
        assertThat(originalDestinationOfCurl("http://127.0.0.2:9/"))
                .isEqualTo(new InetSocketAddress("127.0.0.2", 9));
    }

    @Test
    void readsTheOriginalIpv6DestinationOfARedirectedCurl() throws Exception {
        assertThat(originalDestinationOfCurl("http://[::1]:9/")).isEqualTo(new InetSocketAddress("::1", 9));
    }

    @Test
    void findsCurlBehindTheRedirectedConnection() throws Exception {
        String url = "http://127.0.0.2:9/find-me";
        Process curl = redirect.command("curl", "-s", "-m", "20", url).start();
        EpollSocketChannel accepted = listener.take();

        ProcessInfo owner = processes.resolve(accepted.remoteAddress(), accepted.localAddress());

        LoopbackListener.answer(accepted);
        assertThat(curl.waitFor(20, TimeUnit.SECONDS)).as("curl exits after the answer").isTrue();
        assertThat(owner.pid()).isEqualTo(curl.pid());
        assertThat(owner.name()).isEqualTo("curl");
        assertThat(owner.executable()).isEqualTo("/usr/bin/curl");
        assertThat(owner.commandLine()).contains(url);
    }

    @Test
    void findsCurlBehindARedirectedIpv6Connection() throws Exception {
        Process curl = redirect.command("curl", "-s", "-m", "20", "http://[::1]:9/").start();
        EpollSocketChannel accepted = listener.take();

        ProcessInfo owner = processes.resolve(accepted.remoteAddress(), accepted.localAddress());

        LoopbackListener.answer(accepted);
        curl.waitFor(20, TimeUnit.SECONDS);
        assertThat(owner.pid()).isEqualTo(curl.pid());
        assertThat(owner.name()).isEqualTo("curl");
    }

    @Test
    void refusesAConnectionThatCameStraightToTheListenerWhileConntrackIsTracking() throws Exception {
        // The redirect's nat table turns conntrack on, so the kernel has an entry and answers with the listener.
        try (Socket client = new Socket("127.0.0.1", listener.port())) {
            EpollSocketChannel accepted = listener.take();

            assertThatThrownBy(() -> origin.originalDestination(LoopbackListener.fd(accepted), accepted.localAddress(),
                    accepted.remoteAddress()))
                    .isInstanceOf(IOException.class)
                    .hasMessage("The kernel knows no original destination for the connection from 127.0.0.1:"
                            + client.getLocalPort() + " to 127.0.0.1:" + listener.port() + " (the kernel names the "
                            + "listener itself, so the app connected to it directly); was it redirected to apptap's "
                            + "transparent listener by nft, iptables or apptap's redirector?");
        }
    }

    @Test
    void leavesProcessesOutsideTheCgroupAlone() throws Exception {
        int closedPort = unusedPort();
        Process outside = new ProcessBuilder("curl", "-s", "-m", "20", "http://127.0.0.1:" + closedPort + "/")
                .redirectErrorStream(true).start();

        assertThat(outside.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(outside.exitValue()).as("curl's exit status for a refused connection").isEqualTo(7);
    }

    @Test
    void removesTheCgroupTheTableAndLeftoverProcessesOnClose() throws Exception {
        Process sleeper = redirect.command("sleep", "600").start();
        awaitMembership(sleeper.pid());

        redirect.close();

        assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).as("the leftover process was killed").isTrue();
        assertThat(redirect.cgroup()).doesNotExist();
        assertThat(nftListTables()).doesNotContain(redirect.table());
    }

    private InetSocketAddress originalDestinationOfCurl(String url) throws Exception {
        Process curl = redirect.command("curl", "-s", "-m", "20", url).start();
        EpollSocketChannel accepted = listener.take();
        InetSocketAddress original;
        try {
            original = origin.originalDestination(LoopbackListener.fd(accepted), accepted.localAddress(),
                    accepted.remoteAddress());
        } finally {
            LoopbackListener.answer(accepted);
        }
        assertThat(curl.waitFor(20, TimeUnit.SECONDS)).as("curl exits after the answer").isTrue();
        assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ok");
        return original;
    }

    private void awaitMembership(long pid) throws InterruptedException {
        // The shell joins the cgroup before it execs; wait for that so close() has something to kill.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!redirect.pids().contains(pid) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(redirect.pids()).contains(pid);
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static String nftListTables() throws Exception {
        Process nft = new ProcessBuilder("sh", "-c", "PATH=$PATH:/usr/sbin:/sbin nft list tables")
                .redirectErrorStream(true).start();
        String tables = new String(nft.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(nft.waitFor()).as("nft list tables exits 0 and says: %s", tables).isZero();
        return tables;
    }
}
