package dev.apptap.redirector.macos.pf;

import java.nio.file.Files;
import java.nio.file.Path;

/** A JVM for {@link PfWatchdogTest} to kill: it sets pf up through the fake in {@code args[0]} and waits. */
public final class PfWatchdogHoldingMain {

    private PfWatchdogHoldingMain() {
    }

    public static void main(String[] args) throws Exception {
        Pfctl pfctl = Pfctl.find(args[0]).orElseThrow();
        Path rules = Files.writeString(Files.createTempFile("apptap-pf-test", ".conf"), PfAnchor.rules(501, 1, 2));
        String token = pfctl.enable();
        pfctl.watchdog(token);
        pfctl.load(rules);
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
