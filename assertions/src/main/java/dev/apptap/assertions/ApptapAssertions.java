package dev.apptap.assertions;

import dev.apptap.proxy.flow.Flow;
import dev.apptap.proxy.flow.Flows;
import dev.apptap.proxy.flow.HttpFlow;
import java.util.List;

/**
 * The entry point for assertions on the flows apptap recorded, and for the request patterns they check.
 *
 * <pre>{@code
 * import static dev.apptap.assertions.ApptapAssertions.*;
 *
 * assertThat(flows).hasRequest(post("https://api.example.test/v1/login")
 *         .withHeader("Content-Type", "application/json")
 *         .withJsonBody("/user", "alice"));
 * assertThat(flows).within(Duration.ofSeconds(5)).fromProcess("curl").hasRequestCount(get("/v1/ping"), 3);
 * assertThat(flows).toHost("api.example.test").singleElement().hasStatus(200);
 * }</pre>
 *
 * <p>For soft assertions use {@link ApptapSoftAssertions}.
 */
public final class ApptapAssertions {

    private ApptapAssertions() {
    }

    /** Assertions on the flows of a live view, as they are now; add {@link FlowsAssert#within} to wait. */
    public static FlowsAssert assertThat(Flows flows) {
        return new FlowsAssert(flows);
    }

    /** Assertions on a fixed list of flows. */
    public static FlowsAssert assertThat(List<? extends Flow> flows) {
        return new FlowsAssert(flows);
    }

    /** Assertions on one flow of any kind. */
    public static FlowAssert assertThat(Flow flow) {
        return new FlowAssert(flow);
    }

    /** Assertions on one HTTP flow. */
    public static FlowAssert assertThat(HttpFlow flow) {
        return new FlowAssert(flow);
    }

    /**
     * A request with {@code method} to {@code url}: an absolute URL ({@code https://api.example.test/v1/login},
     * compared in origin, path and query) or a path ({@code /v1/login}, compared on its own, any host).
     */
    public static RequestPattern request(String method, String url) {
        return new RequestPattern(method, url);
    }

    /** A GET request to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern get(String url) {
        return request("GET", url);
    }

    /** A POST request to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern post(String url) {
        return request("POST", url);
    }

    /** A PUT request to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern put(String url) {
        return request("PUT", url);
    }

    /** A DELETE request to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern delete(String url) {
        return request("DELETE", url);
    }
}
