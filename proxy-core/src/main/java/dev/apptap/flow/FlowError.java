package dev.apptap.flow;

import java.util.Objects;

/**
 * Why a flow did not complete normally, as a kind for code and a full sentence for people.
 *
 * @param kind    what went wrong
 * @param message a sentence that names the app, the host and what to do
 */
public record FlowError(Kind kind, String message) {

    public FlowError {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    /** What went wrong, from the app's side or from the upstream side. */
    public enum Kind {
        /** The app refused apptap's certificate (unknown CA, bad certificate, or it closed the handshake). */
        CLIENT_REJECTED_CERTIFICATE,
        /** The app's TLS handshake with apptap failed for another reason (no common protocol, garbage). */
        CLIENT_TLS_FAILED,
        /** The app sent something that is not valid HTTP. */
        MALFORMED_REQUEST,
        /** The app did not finish sending its request head in time (a slowloris client). */
        CLIENT_TIMEOUT,
        /** The app closed the connection before the exchange was complete. */
        CLIENT_DISCONNECTED,
        /** The upstream name could not be resolved. */
        UPSTREAM_DNS,
        /** The upstream refused the connection. */
        UPSTREAM_REFUSED,
        /** The upstream did not answer in time. */
        UPSTREAM_TIMEOUT,
        /** The upstream's certificate failed verification, or its TLS handshake failed. */
        UPSTREAM_TLS,
        /** The upstream closed the connection or answered with something that is not valid HTTP. */
        UPSTREAM_PROTOCOL,
        /** The upstream connection failed for another reason. */
        UPSTREAM_FAILED,
        /** apptap is offline and no stub matched the request. */
        NO_STUB_MATCHED,
        /** A rule closed the connection instead of answering. */
        CLOSED_BY_RULE,
        /**
         * A rule asked apptap for a fault (a reset, a cut-off body, a delay, a hang, …) and apptap did it; the
         * message says what apptap did and which rule asked.
         */
        FAULT,
        /** apptap itself failed; the message says how. */
        INTERNAL
    }
}
