package dev.apptap.proxy.ca;

/** apptap could not mint a leaf certificate for one host; the message names the host. */
public class CertificateMintingException extends CertificateAuthorityException {

    private static final long serialVersionUID = 1L;

    private final String host;

    public CertificateMintingException(String message, String host, Throwable cause) {
        super(message, null, cause);
        this.host = host;
    }

    /** The host, exactly as it was asked for. */
    public String host() {
        return host;
    }
}
