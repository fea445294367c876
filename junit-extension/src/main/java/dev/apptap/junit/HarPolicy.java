package dev.apptap.junit;

/** When a test's flows are written to a HAR file ({@code target/apptap/<class>/<method>.har}). */
public enum HarPolicy {

    /** Whatever {@code apptap.har} says; {@link #ON_FAILURE} when it says nothing. */
    DEFAULT,

    /** Only for tests that failed. */
    ON_FAILURE,

    /** For every test, passed or failed. */
    ALWAYS,

    /** Never. */
    NEVER
}
