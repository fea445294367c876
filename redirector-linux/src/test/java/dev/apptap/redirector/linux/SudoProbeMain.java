package dev.apptap.redirector.linux;

import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.Redirector;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Runs as an unprivileged user for {@link SudoHelperTest}: {@code reason} prints what the provider says about this
 * machine; {@code <work dir> <url>} starts a real engine and the provider (which, without root, goes through the
 * sudo helper), intercepts curl among its own descendants, fetches the url with curl, reports, prints READY and waits
 * to be killed. A line {@code machine} on stdin widens the scope to the machine (it answers MACHINE and READY again);
 * the end of stdin (the test JVM is gone) ends it. With a third argument {@code after-helper-killed} it waits instead
 * for the test to kill the helper and reports what follows.
 */
public final class SudoProbeMain {

    public static void main(String[] args) throws Exception {
        LinuxRedirectorProvider provider = new LinuxRedirectorProvider();
        System.out.println("PID " + ProcessHandle.current().pid());
        System.out.println("UID " + LinuxRedirectorProvider.effectiveUid());
        System.out.println("REASON " + provider.unavailableReason().orElse("-"));
        System.out.flush();
        if (args[0].equals("reason")) {
            return;
        }
        Harness h = new Harness(Path.of(args[0]));
        Redirector redirector = provider.start(h.target());
        System.out.println("HELPER " + ((SudoHelper) redirector).helperPid());
        redirector.intercept(InterceptSpec.parse("curl"), InterceptScope.thisJvm());
        Harness.Run curl = h.run(List.of("curl", "-sS", "--max-time", "20", args[1]));
        HttpFlow flow = h.engine.flows().view().fromPids(Set.of(curl.pid())).awaitFirst(HttpFlow.class,
                f -> f.request().path().equals(URI.create(args[1]).getPath()) && f.isComplete(), Duration.ofSeconds(15));
        System.out.println("CURL exit=" + curl.exit() + " process=" + flow.process().name() + " status="
                + flow.response().orElseThrow().status() + " body=" + curl.out().strip());
        System.out.println("DESCRIBE " + redirector.describe());
        System.out.println("READY");
        System.out.flush();
        if (args.length > 2 && args[2].equals("after-helper-killed")) {
            reportAfterHelperKilled(h, redirector, ((SudoHelper) redirector).helperPid(), args[1]);
            return;
        }
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = commands.readLine()) != null; ) {
            if (line.equals("machine")) {
                redirector.intercept(InterceptSpec.parse("curl"), InterceptScope.MACHINE);
                System.out.println("MACHINE " + redirector.describe());
                System.out.println("READY");
                System.out.flush();
            }
        }
        Runtime.getRuntime().halt(4);
    }

    /**
     * Waits for the test to kill the helper, then reports what a test run would see: where curl's connection went,
     * what changing the spec says, and that closing the redirector does not hang.
     */
    private static void reportAfterHelperKilled(Harness h, Redirector redirector, long helperPid, String url)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ProcessHandle.of(helperPid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        System.out.println("HELPER_ALIVE " + ProcessHandle.of(helperPid).map(ProcessHandle::isAlive).orElse(false));
        Harness.Run curl = h.run(List.of("curl", "-sS", "--max-time", "20", url));
        Thread.sleep(300);
        System.out.println("AFTER_CURL exit=" + curl.exit() + " flows=" + h.engine.flows().view()
                .fromPids(Set.of(curl.pid())).flows().size() + " body=" + curl.out().strip());
        try {
            redirector.intercept(InterceptSpec.parse("wget"));
            System.out.println("SPEC_CHANGE accepted");
        } catch (RuntimeException e) {
            System.out.println("SPEC_CHANGE " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        long closing = System.nanoTime();
        redirector.close();
        h.close();
        System.out.println("CLOSED_MS " + Duration.ofNanos(System.nanoTime() - closing).toMillis());
        System.out.println("DONE");
        System.out.flush();
        System.exit(0); // the harness's pools are not daemons
    }
}
