package dev.apptap.redirector.linux;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.engine.ProxyEngine;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;

/**
 * A JVM that starts the redirector (spec {@code curl}) towards another JVM's engine listeners, or with
 * {@code own-engine} towards an engine of its own, prints READY and waits to be killed. {@link KillNineTest} kills it
 * with SIGKILL and checks nothing stays attached.
 */
public final class RedirectorHoldingMain {

    public static void main(String[] args) throws Exception {
        ExitWithParent.watchStdin();
        long parent = Long.parseLong(args[2]);
        int port4;
        int port6;
        if (args[0].equals("own-engine")) {
            // the engine lives and dies with this JVM too: connections in flight through it end with it
            ProxyEngine engine = ProxyEngine.builder()
                    .certificateAuthority(CertificateAuthority.ephemeral())
                    .transparentListener(new InetSocketAddress("127.0.0.1", 0))
                    .transparentListener(new InetSocketAddress("::1", 0))
                    .start();
            port4 = engine.transparentAddresses().get(0).getPort();
            port6 = engine.transparentAddresses().get(1).getPort();
        } else {
            port4 = Integer.parseInt(args[0]);
            port6 = Integer.parseInt(args[1]);
        }
        RedirectTarget target = new RedirectTarget(new InetSocketAddress("127.0.0.1", port4),
                new InetSocketAddress("::1", port6), Optional.empty(),
                Set.of(ProcessHandle.current().pid(), parent));
        Redirector redirector = new LinuxRedirectorProvider().start(target);
        redirector.intercept(InterceptSpec.parse("curl"));
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
