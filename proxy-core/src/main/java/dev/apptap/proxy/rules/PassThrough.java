package dev.apptap.proxy.rules;

import java.util.Objects;

/**
 * Send the request where the app meant it to go, and apply a {@link Fault} to the real server's answer (or to the
 * app's TLS handshake): {@code stubs.on(anyRequestTo("api.example.test")).passThroughWith(Fault.throttle(1024))}.
 * Build it with {@link Actions#passThroughWith} or {@link OngoingRule#passThroughWith}.
 *
 * @param fault what goes wrong on the way back to the app
 */
public record PassThrough(Fault fault) implements Action {

    public PassThrough {
        Objects.requireNonNull(fault, "fault");
    }

    @Override
    public String describe() {
        return "pass through, then " + fault.describe();
    }
}
