/**
 * Stubs and routes: which requests apptap answers itself, sends elsewhere, or cuts off, and offline mode.
 *
 * <pre>{@code
 * import static dev.apptap.proxy.rules.Actions.*;
 * import static dev.apptap.proxy.rules.RequestMatcher.*;
 *
 * stubs.on(post("https://api.example.test/v1/login").withJsonPointer("/user/name", "ann"))
 *      .respond(respondJson(200, "{\"token\":\"t\"}"));
 * stubs.on(get("https://api.example.test/v1/items/*")).respond(respond(200).withBody("[]"));
 * stubs.on(anyRequestTo("*.payments.example.test")).forwardTo("127.0.0.1", 8089);
 * stubs.on(post("https://api.example.test/v1/users")).respond(request -> respondJson(201, request.bodyText()));
 * stubs.on(get("https://api.example.test/v1/flaky")).respond(respondInSequence(respond(503), respond(200)));
 * stubs.on(anyRequest()).respond(Replay.of(Path.of("api.har")).answer());   // answers from a recorded HAR
 * stubs.offline(true);
 * }</pre>
 *
 * <p>This package is also where every request pattern is evaluated: tests write
 * {@code dev.apptap.assertions.RequestPattern}s, which share the {@link dev.apptap.proxy.rules.RequestCriteria}
 * vocabulary and hold a {@link dev.apptap.proxy.rules.RequestMatcher}; the assertions match recorded flows with it
 * and explain near misses with its {@link dev.apptap.proxy.rules.Comparison}, as {@link dev.apptap.proxy.rules.RuleSet}
 * does for stubs.
 *
 * <p>The engine hands each request over as {@link dev.apptap.proxy.rules.RequestFacts} (no Netty types here), asks
 * {@link dev.apptap.proxy.rules.RuleSet#needsBody} whether to buffer the body, and acts on the
 * {@link dev.apptap.proxy.rules.Decision} that {@link dev.apptap.proxy.rules.RuleSet#decide} returns, over HTTP/1.1
 * and h2 alike.
 */
package dev.apptap.proxy.rules;
