package dev.apptap.proxy.rules;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * Static factories for {@link Action}s, meant to be imported statically next to {@link RequestMatcher}'s.
 *
 * <pre>{@code
 * import static dev.apptap.proxy.rules.Actions.*;
 * import static dev.apptap.proxy.rules.RequestMatcher.*;
 *
 * rules.on(post("https://api.example.test/v1/login")).respond(respondJson(200, "{\"token\":\"t\"}"));
 * rules.on(anyRequestTo("api.example.test")).forwardTo(forwardTo("127.0.0.1", 8089));
 * }</pre>
 */
public final class Actions {

    private static final CloseConnection CLOSE = new CloseConnection();

    private Actions() {
    }

    /** An empty response with this status; add a body and headers with its {@code with…} methods. */
    public static Respond respond(int status) {
        return Respond.status(status);
    }

    /** A JSON response: a String is sent as given once checked to be JSON, anything else is serialized by Jackson. */
    public static Respond respondJson(int status, Object json) {
        return Respond.status(status).withJsonBody(json);
    }

    /** A response whose body the engine streams from this file. */
    public static Respond respondWithFile(int status, Path file) {
        return Respond.status(status).withBodyFromFile(file);
    }

    /**
     * An answer computed from each request: {@code respondWith(request -> respondJson(201, Map.of("id",
     * request.pathSegments().get(1))))}. The function runs on the engine's event loop (it must not block) and sees
     * the whole body (up to the body limit); returning null declines the request, so older rules decide it. A
     * function that throws answers 500 with the exception.
     */
    public static Answer respondWith(Function<RequestFacts, Respond> function) {
        return Answer.computed(function);
    }

    /**
     * One response per request in this order, then the last one again for every later request: {@code
     * respondInSequence(respond(503), respond(503), respond(200))} tests an app's retries.
     */
    public static Answer respondInSequence(Respond first, Respond... then) {
        return Answer.inSequence(first, then);
    }

    /** Forward over plain HTTP to this host and port. */
    public static Forward forwardTo(String host, int port) {
        return Forward.to(host, port, false);
    }

    /** Forward over TLS to this host and port, verified against the usual trust (add more with {@code trusting}). */
    public static Forward forwardToTls(String host, int port) {
        return Forward.to(host, port, true);
    }

    /**
     * Lets the request go where the app meant it to, and applies {@code fault} to the real server's answer:
     * {@code passThroughWith(Fault.closeAfterBodyBytes(512))}.
     */
    public static PassThrough passThroughWith(Fault fault) {
        return new PassThrough(fault);
    }

    /** Closes the app's connection instead of answering (over h2: resets the stream). */
    public static CloseConnection closeConnection() {
        return CLOSE;
    }
}
