package dev.apptap.junit;

/**
 * Added to a failed test's exception as a suppressed one, so that the failure as printed (Surefire, Gradle, IDEs)
 * ends with a link to the test's flows in the HTML report, while the exception itself, and the expected/actual
 * values IDEs diff, stay as the test threw them.
 */
final class ReportLink extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ReportLink(String link) {
        super("apptap's report shows this test's flows, a click opens each: " + link, null, false, false);
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
