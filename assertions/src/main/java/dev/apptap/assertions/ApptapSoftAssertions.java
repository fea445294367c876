package dev.apptap.assertions;

import dev.apptap.flow.Flow;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import org.assertj.core.api.SoftAssertions;

/**
 * Soft assertions on flows: every failure is collected and reported together by {@link #assertAll()}.
 *
 * <pre>{@code
 * ApptapSoftAssertions softly = new ApptapSoftAssertions();
 * softly.assertThat(flows).hasRequest(post("/v1/login"));
 * softly.assertThat(loginFlow).hasStatus(200).hasResponseHeader("cache-control", "no-store");
 * softly.assertAll();
 * }</pre>
 *
 * <p>Checks made after {@link FlowsAssert#within}, {@link FlowsAssert#fromProcess}, {@link FlowsAssert#toHost},
 * {@link FlowsAssert#httpFlows}, {@code singleElement()}/{@code first()}/{@code element(i)},
 * {@link FlowAssert#requestBody()} and {@link FlowAssert#responseBody()} fail at once rather than softly: AssertJ 3
 * collects failures only from the asserts its proxies created. Assert on a flow directly
 * ({@code softly.assertThat(flow)}) to keep its checks soft.
 */
public class ApptapSoftAssertions extends SoftAssertions {

    /** Soft assertions on the flows of a live view, as they are now. */
    // The proxy's generics tie the assert's actual type to the constructor's argument type; FlowsAssert asserts on
    // a List<Flow> but is built from a live Flows view, which AssertJ's proxies handle fine at run time.
    @SuppressWarnings({"unchecked", "rawtypes"})
    public FlowsAssert assertThat(Flows flows) {
        return (FlowsAssert) proxy((Class) FlowsAssert.class, (Class) Flows.class, flows);
    }

    /** Soft assertions on one flow. */
    public FlowAssert assertThat(Flow flow) {
        return proxy(FlowAssert.class, Flow.class, flow);
    }

    /** Soft assertions on one HTTP flow. */
    public FlowAssert assertThat(HttpFlow flow) {
        return proxy(FlowAssert.class, Flow.class, flow);
    }
}
