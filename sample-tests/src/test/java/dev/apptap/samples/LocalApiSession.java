package dev.apptap.samples;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Starts the local API before the first test: {@code apptap.upstream.trust} names the CA file it writes, and every
 * {@code @InterceptApps} test reads that file, including tests that never call the API themselves.
 */
public final class LocalApiSession implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        LocalApi.start();
    }
}
