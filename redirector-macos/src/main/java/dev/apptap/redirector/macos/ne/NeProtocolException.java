package dev.apptap.redirector.macos.ne;

import java.io.IOException;

/** The macOS redirector extension sent something mitmproxy's protocol does not allow; the message says what. */
final class NeProtocolException extends IOException {

    NeProtocolException(String message) {
        super(message);
    }
}
