package dev.apptap.proxy.engine;

import io.netty.util.ResourceLeakDetector;

/**
 * Netty's leak detector, off for an engine unless someone asked for a level.
 *
 * <p>Netty samples one buffer in 128 by default and captures a stack trace for it, and a relay allocates several
 * buffers per exchange: on the HTTPS keep-alive benchmark the engine relayed 5-20% more with it off
 * (docs/benchmarks.md). apptap's own builds run Netty at {@code PARANOID} through the property, so a leak
 * still fails a test; a user who wants the detector in their JVM sets the property too, and it is left alone.
 */
final class LeakSampling {

    private static final String[] LEVEL_PROPERTIES = {"io.netty.leakDetection.level", "io.netty.leakDetectionLevel"};

    private LeakSampling() {
    }

    /** Turns the detector off when no level property is set; idempotent. */
    static void offUnlessAsked() {
        for (String property : LEVEL_PROPERTIES) {
            if (System.getProperty(property) != null) {
                return;
            }
        }
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
}
