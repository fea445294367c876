package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LeakSamplingTest {

    private static final String PROPERTY = "io.netty.leakDetection.level";

    private String property;
    private ResourceLeakDetector.Level level;

    @BeforeEach
    void remember() {
        property = System.getProperty(PROPERTY);
        level = ResourceLeakDetector.getLevel();
    }

    @AfterEach
    void restore() {
        if (property == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, property);
        }
        ResourceLeakDetector.setLevel(level);
    }

    @Test
    void keepsTheLevelThatTheLeakDetectionPropertyAsksFor() {
        System.setProperty(PROPERTY, "paranoid");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);

        LeakSampling.offUnlessAsked();

        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }

    @Test
    void turnsSamplingOffWhenNoLevelIsAsked() {
        System.clearProperty(PROPERTY);
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);

        LeakSampling.offUnlessAsked();

        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.DISABLED);
    }
}
