package dev.apptap.proxy.ca;

import java.nio.file.Path;
import java.util.Optional;

/**
 * apptap's CA could not be created, loaded or exported. The message is a sentence that names the file
 * involved and says what to do about it.
 */
public class CertificateAuthorityException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public CertificateAuthorityException(String message, Path file, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    public CertificateAuthorityException(String message, Path file) {
        this(message, file, null);
    }

    /** The file the problem is about, when there is one (an ephemeral CA has none). */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }
}
