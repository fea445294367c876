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
 * stubs.offline(true);
 * }</pre>
 *
 * <p>The engine hands each request over as {@link dev.apptap.proxy.rules.RequestFacts} (no Netty types here), asks
 * {@link dev.apptap.proxy.rules.RuleSet#needsBody} whether to buffer the body, and acts on the
 * {@link dev.apptap.proxy.rules.Decision} that {@link dev.apptap.proxy.rules.RuleSet#decide} returns, over HTTP/1.1
 * and h2 alike.
 */
package dev.apptap.proxy.rules;
