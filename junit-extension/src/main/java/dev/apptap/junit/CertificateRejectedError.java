package dev.apptap.junit;

/**
 * A test failure whose cause is most likely an app that refused apptap's certificate; the original failure is the
 * cause, and its message follows the explanation.
 */
final class CertificateRejectedError extends AssertionError {

    private static final long serialVersionUID = 1L;

    CertificateRejectedError(String explanation, Throwable failure) {
        super(explanation + "\nThe test failed with: " + failure, failure);
        setStackTrace(failure.getStackTrace());
    }
}
