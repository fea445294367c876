package dev.apptap.redirector.linux;

import java.io.IOException;

/**
 * For the JVMs tests start and kill on purpose: if the test JVM itself dies first (a crash, a CI timeout), nobody
 * would kill them, and they would keep intercepting curl machine-wide. Their stdin is a pipe from the test JVM, so
 * its end means the test JVM is gone.
 */
final class ExitWithParent {

    private ExitWithParent() {
    }

    static void watchStdin() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the test never writes; anything sent is ignored
                }
            } catch (IOException e) {
                // a broken pipe is the same news
            }
            Runtime.getRuntime().halt(4);
        }, "exit-with-parent");
        watcher.setDaemon(true);
        watcher.start();
    }
}
