package dev.apptap.proxy.rules;

/**
 * What apptap does with a request a rule matched: answer it locally ({@link Respond}, or an {@link Answer} computed per request), send it to another upstream
 * ({@link Forward}), close the app's connection ({@link CloseConnection}), or let it through with a {@link Fault}
 * ({@link PassThrough}). Build them with {@link Actions}.
 *
 * <pre>{@code
 * import static dev.apptap.proxy.rules.Actions.*;
 *
 * respond(200).withBody("ok").withHeader("X-Stub", "yes")
 * respondJson(201, "{\"id\":1}")
 * respondWithFile(200, Path.of("fixtures/big.bin")).withDelay(Duration.ofMillis(200))
 * forwardTo("127.0.0.1", 8089)                       // e.g. a local WireMock
 * forwardToTls("staging.example.test", 443).trusting(stagingCa).withHostHeader("staging.example.test")
 * closeConnection()
 * passThroughWith(Fault.delay(Duration.ofSeconds(3)))  // the real server's answer, three seconds late
 * respondWith(request -> respond(200).withBody(request.pathSegments().get(1)))   // computed per request
 * respondInSequence(respond(503), respond(200))      // 503, then 200 for every later request
 * }</pre>
 *
 * <p>All actions are immutable and can be shared between rules and threads.
 */
public sealed interface Action permits Respond, Answer, Forward, CloseConnection, PassThrough {

    /** One line for messages: {@code respond 200 (2 B text/plain)}, {@code forward to 127.0.0.1:8089}. */
    String describe();
}
