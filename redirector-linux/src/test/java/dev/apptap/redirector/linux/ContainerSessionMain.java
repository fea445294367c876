package dev.apptap.redirector.linux;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.get;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.SessionOptions;

/**
 * A JVM with a whole OSPROXY session that intercepts {@code wget} machine-wide, offline, with one stub; it prints
 * {@code READY <transparent port>} and waits to be killed. {@link ContainerKillNineTest} kills it with SIGKILL while it
 * listens inside a container's network namespace.
 */
public final class ContainerSessionMain {

    public static void main(String[] args) throws Exception {
        ExitWithParent.watchStdin();
        InterceptionSession session = InterceptionSession.start(SessionOptions.builder()
                .certificateAuthority(CertificateAuthority.ephemeral())
                .redirector(new LinuxRedirectorProvider())
                .systemLookups(false, "stub it")
                .build());
        session.rules().offline(true);
        session.rules().on(get("http://api.example.test/v1/hello")).respond(respond(200).withBody("held\n"));
        session.redirector().intercept(InterceptSpec.parse("wget"), InterceptScope.MACHINE);
        System.out.println("READY " + session.transparentAddresses().get(0).getPort());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
