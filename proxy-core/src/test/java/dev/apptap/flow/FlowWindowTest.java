package dev.apptap.flow;

import static dev.apptap.flow.TestFlows.answered;
import static dev.apptap.flow.TestFlows.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The store's window (flows and bytes of bodies) and what queries over evicted flows say. */
class FlowWindowTest {

    @Test
    void bodiesBeyondTheByteLimitEvictTheOldestCompleteFlows() {
        FlowStore store = new FlowStore(new FlowWindow(100, 10));
        store.publish(answered(get(store.nextId(), "/a"), 200, "12345"));
        store.publish(answered(get(store.nextId(), "/b"), 200, "12345"));
        assertThat(store.bodyBytes()).isEqualTo(10);

        store.publish(answered(get(store.nextId(), "/c"), 200, "123"));

        assertThat(store.flows()).extracting(f -> ((HttpFlow) f).request().path()).containsExactly("/b", "/c");
        assertThat(store.bodyBytes()).isEqualTo(8);
        assertThat(store.evicted()).isEqualTo(1);
    }

    @Test
    void aFlowGrowingPastTheByteLimitEvictsOthersButNeverItself() {
        FlowStore store = new FlowStore(new FlowWindow(100, 10));
        store.publish(answered(get(store.nextId(), "/old"), 200, "1234"));
        HttpFlow growing = get(store.nextId(), "/growing");
        store.publish(growing);

        store.publish(answered(growing, 200, "123456789012"));

        assertThat(store.flows()).extracting(Flow::id).containsExactly(growing.id());
        assertThat(store.bodyBytes()).isEqualTo(12);
    }

    @Test
    void aQueryOverEvictedFlowsSaysSoAndNamesTheWindowAndHowToRaiseIt() {
        FlowStore store = new FlowStore(new FlowWindow(2, 1 << 20));
        Flows since = store.since(store.mark());
        for (int i = 0; i < 3; i++) {
            store.publish(answered(get(store.nextId(), "/" + i), 200, ""));
        }

        assertThatThrownBy(since::flows)
                .isInstanceOf(FlowEvictedException.class)
                .hasMessageStartingWith("Flows of the flows since the mark (ids above 0) were evicted from apptap's"
                        + " flow window, which keeps the newest 2 flows or 1.0 MiB of recorded bodies, whichever"
                        + " limit is reached first (1 evicted so far, the newest #1)")
                .hasMessageContaining("--window-flows and --window-bytes (apptap run and watch)")
                .hasMessageContaining("SessionOptions.Builder.flowWindow");
        assertThatThrownBy(since::size).isInstanceOf(FlowEvictedException.class);
        assertThat(since.lostFlowsToTheWindow()).isTrue();
        assertThat(since.retainedFlows()).extracting(Flow::id).containsExactly(2L, 3L);
    }

    @Test
    void aViewThatBeganAfterTheEvictedFlowsIsWhole() {
        FlowStore store = new FlowStore(new FlowWindow(2, 1 << 20));
        for (int i = 0; i < 3; i++) {
            store.publish(answered(get(store.nextId(), "/" + i), 200, ""));
        }
        Flows later = store.since(store.mark());
        store.publish(answered(get(store.nextId(), "/later"), 200, ""));

        assertThat(later.flows()).extracting(Flow::id).containsExactly(4L);
        assertThat(later.lostFlowsToTheWindow()).isFalse();
    }

    @Test
    void aWaitThatTimesOutOverEvictedFlowsSaysTheyWereEvicted() {
        FlowStore store = new FlowStore(new FlowWindow(1, 1 << 20));
        Flows since = store.since(store.mark());
        store.publish(answered(get(store.nextId(), "/wanted"), 200, ""));
        store.publish(answered(get(store.nextId(), "/other"), 200, ""));

        assertThatThrownBy(() -> since.awaitFirst("a GET of /wanted",
                f -> ((HttpFlow) f).request().path().equals("/wanted"), Duration.ofMillis(50)))
                .isInstanceOf(FlowTimeoutException.class)
                .hasMessageContaining("No flow in the flows since the mark (ids above 0) matched a GET of /wanted")
                .hasMessageContaining("were evicted from apptap's flow window, which keeps the newest 1 flow or"
                        + " 1.0 MiB of recorded bodies");
    }

    @Test
    void aWindowBelowOneFlowOrOneByteIsRefusedWithASentence() {
        assertThatThrownBy(() -> new FlowWindow(0, 10))
                .hasMessage("A flow window must keep at least one flow, but maxFlows was 0.");
        assertThatThrownBy(() -> new FlowWindow(10, 0))
                .hasMessage("A flow window must keep at least one byte of bodies, but maxBodyBytes was 0.");
    }

    @Test
    void theDefaultWindowIsTenThousandFlowsOrSixtyFourMebibytes() {
        assertThat(new FlowStore().window()).isEqualTo(new FlowWindow(10_000, 64L << 20));
        assertThat(FlowWindow.DEFAULT.describe()).isEqualTo("the newest 10,000 flows or 64.0 MiB of recorded bodies,"
                + " whichever limit is reached first");
    }
}
