package dev.apptap.flow;

import static dev.apptap.flow.TestFlows.CURL;
import static dev.apptap.flow.TestFlows.WGET;
import static dev.apptap.flow.TestFlows.answered;
import static dev.apptap.flow.TestFlows.get;
import static dev.apptap.flow.TestFlows.request;
import static dev.apptap.flow.TestFlows.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FlowStoreTest {

    private final FlowStore store = new FlowStore();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void publishReplacesTheSnapshotWithTheSameId() {
        HttpFlow started = get(store.nextId(), "/a");
        store.publish(started);
        store.publish(answered(started, 200, "done"));

        assertThat(store.flows()).singleElement()
                .satisfies(f -> assertThat(((HttpFlow) f).status()).isEqualTo(200))
                .satisfies(f -> assertThat(f.isComplete()).isTrue());
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void flowsComeInIdOrderWhateverThePublishOrder() {
        long first = store.nextId();
        long second = store.nextId();
        long third = store.nextId();
        store.publish(get(third, "/3"));
        store.publish(get(first, "/1"));
        store.publish(get(second, "/2"));

        assertThat(store.flows()).extracting(Flow::id).containsExactly(first, second, third);
    }

    @Test
    void nextIdNeverRepeatsAnIdPublishedByHand() {
        store.publish(get(41, "/by-hand"));

        assertThat(store.nextId()).isEqualTo(42);
    }

    @Test
    void sinceAMarkHoldsOnlyFlowsThatBeganAfterIt() {
        HttpFlow before = get(store.nextId(), "/before");
        store.publish(before);
        long begunBeforeMark = store.nextId();
        FlowStore.Mark mark = store.mark();
        HttpFlow after = get(store.nextId(), "/after");
        store.publish(after);
        // Its request started before the mark, so finishing it later must not pull it into the view.
        store.publish(answered(before, 200, "late"));
        store.publish(get(begunBeforeMark, "/begun-before"));

        assertThat(store.since(mark).flows()).extracting(Flow::id).containsExactly(after.id());
        assertThat(store.view().flows()).hasSize(3);
    }

    @Test
    void viewsAreLiveAndSeeFlowsPublishedAfterTheyWereMade() {
        Flows view = store.since(store.mark());
        assertThat(view.isEmpty()).isTrue();

        store.publish(get(store.nextId(), "/later"));

        assertThat(view.flows()).hasSize(1);
    }

    @Test
    void viewSeparatesHttpFromTcpFlows() {
        store.publish(get(store.nextId(), "/a"));
        store.publish(tcp(store.nextId(), CURL));

        assertThat(store.view().httpFlows()).extracting(f -> f.request().path()).containsExactly("/a");
        assertThat(store.view().tcpFlows()).hasSize(1);
    }

    @Test
    void filtersNarrowAViewAndCompose() {
        store.publish(request(store.nextId(), CURL, "GET", "https://api.example.test/a"));
        store.publish(request(store.nextId(), CURL, "POST", "https://api.example.test/b"));
        store.publish(request(store.nextId(), WGET, "POST", "https://api.example.test/c"));

        Flows posts = store.view().filter(f -> f instanceof HttpFlow h && h.request().method().equals("POST"));

        assertThat(posts.flows()).hasSize(2);
        assertThat(posts.fromPids(Set.of(CURL.pid())).httpFlows()).extracting(f -> f.request().path())
                .containsExactly("/b");
        assertThat(store.view().fromProcesses(p -> p.name().equals("wget")).httpFlows())
                .extracting(f -> f.request().path()).containsExactly("/c");
        assertThat(posts.fromPids(Set.of(CURL.pid())).description()).isEqualTo("the store matching a filter from pid 4242");
    }

    @Test
    void clearForgetsFlowsButKeepsIdsIncreasing() {
        store.publish(get(store.nextId(), "/a"));
        FlowStore.Mark mark = store.mark();

        store.clear();
        HttpFlow after = get(store.nextId(), "/b");
        store.publish(after);

        assertThat(after.id()).isEqualTo(2);
        assertThat(store.flows()).extracting(Flow::id).containsExactly(2L);
        assertThat(store.since(mark).flows()).hasSize(1);
    }

    @Test
    void listenersReceiveEverySnapshotUntilTheirRegistrationCloses() {
        List<Flow> seen = new ArrayList<>();
        FlowStore.Registration registration = store.addListener(seen::add);
        HttpFlow flow = get(store.nextId(), "/a");

        store.publish(flow);
        store.publish(answered(flow, 200, "x"));
        registration.close();
        store.publish(get(store.nextId(), "/unseen"));

        assertThat(seen).extracting(Flow::isComplete).containsExactly(false, true);
    }

    @Test
    void aThrowingListenerDoesNotStopPublishingOrTheOtherListeners() {
        List<Flow> seen = new ArrayList<>();
        store.addListener(f -> {
            throw new IllegalStateException("This listener is broken on purpose.");
        });
        store.addListener(seen::add);

        store.publish(get(store.nextId(), "/a"));
        store.publish(get(store.nextId(), "/b"));

        assertThat(seen).hasSize(2);
        assertThat(store.flows()).hasSize(2);
    }

    @Test
    void aListenerThatPublishesDoesNotRecurseAndKeepsOrder() {
        List<Long> seen = new ArrayList<>();
        store.addListener(f -> {
            seen.add(f.id());
            if (f.id() == 1) {
                store.publish(get(2, "/from-listener"));
            }
        });

        store.publish(get(1, "/a"));

        assertThat(seen).containsExactly(1L, 2L);
    }

    @Test
    void viewListenersSeeOnlyTheirView() {
        List<Flow> seen = new ArrayList<>();
        store.view().fromPids(Set.of(WGET.pid())).addListener(seen::add);

        store.publish(get(store.nextId(), "/curl"));
        store.publish(request(store.nextId(), WGET, "GET", "https://api.example.test/wget"));

        assertThat(seen).extracting(Flow::process).containsExactly(WGET);
    }

    @Test
    void awaitFirstReturnsAFlowThatIsAlreadyThere() {
        store.publish(get(store.nextId(), "/here"));

        Flow flow = store.view().awaitFirst(f -> true, Duration.ZERO);

        assertThat(((HttpFlow) flow).request().path()).isEqualTo("/here");
    }

    @Test
    void awaitFirstReturnsFlowPublishedAfterTheCallStarted() throws Exception {
        Flows view = store.since(store.mark());
        CountDownLatch waiting = new CountDownLatch(1);
        Future<HttpFlow> awaited = threads.submit(() -> {
            waiting.countDown();
            return view.awaitFirst(HttpFlow.class, h -> h.isComplete() && h.status() == 201, Duration.ofSeconds(10));
        });
        waiting.await();
        HttpFlow flow = get(store.nextId(), "/created");

        threads.submit(() -> {
            store.publish(flow);
            store.publish(answered(flow, 201, "made"));
        });

        assertThat(awaited.get(10, TimeUnit.SECONDS).status()).isEqualTo(201);
    }

    @Test
    void awaitFirstPrefersTheLowestIdAmongMatchingFlows() {
        store.publish(get(5, "/five"));
        store.publish(get(3, "/three"));

        Flow flow = store.view().awaitFirst(f -> true, Duration.ofSeconds(1));

        assertThat(flow.id()).isEqualTo(3);
    }

    @Test
    void awaitFirstWaitsForTheLatestSnapshotToMatch() throws Exception {
        HttpFlow flow = get(store.nextId(), "/slow");
        store.publish(flow);
        Future<Flow> awaited = threads.submit(() -> store.view().awaitFirst(Flow::isComplete, Duration.ofSeconds(10)));

        store.publish(answered(flow, 200, "finally"));

        assertThat(awaited.get(10, TimeUnit.SECONDS).isComplete()).isTrue();
    }

    @Test
    void awaitFirstTreatsAConditionThatThrowsAsNotMatchingYet() throws Exception {
        HttpFlow flow = get(store.nextId(), "/a");
        store.publish(flow);
        // A common first attempt: it throws while the response is missing.
        Future<Flow> awaited = threads.submit(() -> store.view().awaitFirst(
                f -> ((HttpFlow) f).response().orElseThrow().status() == 200, Duration.ofSeconds(10)));

        store.publish(answered(flow, 200, "ok"));

        assertThat(awaited.get(10, TimeUnit.SECONDS).id()).isEqualTo(flow.id());
    }

    @Test
    void awaitFirstTimeoutMessageListsWhatArrivedOneFlowPerLine() {
        FlowStore.Mark mark = store.mark();
        HttpFlow answered = answered(get(store.nextId(), "/wrong"), 404, "nope");
        store.publish(answered);
        store.publish(tcp(store.nextId(), WGET));

        assertThatThrownBy(() -> store.since(mark).awaitFirst("a GET of /right",
                f -> f instanceof HttpFlow h && h.request().path().equals("/right"), Duration.ofMillis(50)))
                .isInstanceOf(FlowTimeoutException.class)
                .hasMessage(String.join("\n",
                        "No flow in the flows since the mark (ids above 0) matched a GET of /right within 50 ms.",
                        "These 2 flows arrived in the flows since the mark (ids above 0):",
                        "  #1 curl GET https://api.example.test/wrong → 404 (4 B, 12 ms)",
                        "  #2 wget tcp://db.example.test:5432 ↑0 B ↓0 B"))
                .satisfies(e -> assertThat(((FlowTimeoutException) e).flows()).hasSize(2));
    }

    @Test
    void timeoutMessageSaysWhenNothingArrived() {
        assertThatThrownBy(() -> store.view().awaitFirst(f -> true, Duration.ofMillis(20)))
                .isInstanceOf(FlowTimeoutException.class)
                .hasMessageContaining("No flow in the store matched the condition within 20 ms.")
                .hasMessageContaining("No flows arrived in the store; check that the app ran and that its traffic "
                        + "goes through apptap.");
    }

    @Test
    void timeoutMessageReportsWhatTheConditionThrew() {
        store.publish(get(store.nextId(), "/a"));

        assertThatThrownBy(() -> store.view().awaitFirst(f -> ((HttpFlow) f).response().orElseThrow() != null,
                Duration.ofMillis(20)))
                .isInstanceOf(FlowTimeoutException.class)
                .hasMessageContaining("The condition threw java.util.NoSuchElementException: No value present for "
                        + "flow #1; a condition that throws counts as not matching")
                .hasCauseInstanceOf(NoSuchElementException.class);
    }

    @Test
    void awaitFirstOfATypeSkipsFlowsOfOtherTypes() {
        store.publish(tcp(store.nextId(), CURL));
        store.publish(get(store.nextId(), "/a"));

        HttpFlow flow = store.view().awaitFirst(HttpFlow.class, h -> true, Duration.ofSeconds(1));

        assertThat(flow.id()).isEqualTo(2);
    }

    @Test
    void awaitCountReturnsOnceEnoughFlowsArrived() throws Exception {
        Flows view = store.since(store.mark());
        Future<List<Flow>> awaited = threads.submit(() -> view.awaitCount(3, Duration.ofSeconds(10)));

        for (int i = 0; i < 3; i++) {
            store.publish(get(store.nextId(), "/" + i));
        }

        assertThat(awaited.get(10, TimeUnit.SECONDS)).hasSize(3);
    }

    @Test
    void awaitCountTimeoutSaysHowManyWereExpected() {
        store.publish(get(store.nextId(), "/only"));

        assertThatThrownBy(() -> store.view().awaitCount(2, Duration.ofMillis(20)))
                .hasMessageStartingWith("Expected at least 2 flows in the store within 20 ms, but fewer arrived.")
                .hasMessageContaining("#1 curl GET https://api.example.test/only");
    }

    @Test
    void awaitAllCompleteWaitsForFlowsInProgress() throws Exception {
        HttpFlow flow = get(store.nextId(), "/a");
        store.publish(flow);
        Future<List<Flow>> awaited = threads.submit(() -> store.view().awaitAllComplete(Duration.ofSeconds(10)));

        store.publish(answered(flow, 200, "ok"));

        assertThat(awaited.get(10, TimeUnit.SECONDS)).allMatch(Flow::isComplete);
    }

    @Test
    void awaitAllCompleteTimeoutShowsTheFlowStillRunning() {
        store.publish(get(store.nextId(), "/stuck"));

        assertThatThrownBy(() -> store.view().awaitAllComplete(Duration.ofMillis(20)))
                .hasMessageContaining("to complete within 20 ms, but some were still running.")
                .hasMessageContaining("/stuck → (waiting for the response)");
    }

    @Test
    void interruptingAWaitEndsItAndKeepsTheInterruptFlag() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                store.view().awaitFirst(f -> true, Duration.ofMinutes(1));
            } catch (FlowTimeoutException e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        waiter.start();
        waiter.interrupt();
        waiter.join(10_000);

        assertThat(thrown.get()).hasMessageContaining("before the waiting thread was interrupted")
                .hasCauseInstanceOf(InterruptedException.class);
        assertThat(flag.get()).isTrue();
    }

    @Test
    void boundDropsTheOldestCompleteFlowFirst() {
        FlowStore small = new FlowStore(3);
        HttpFlow running = get(small.nextId(), "/running");
        small.publish(running);
        small.publish(answered(get(small.nextId(), "/done-1"), 200, ""));
        small.publish(answered(get(small.nextId(), "/done-2"), 200, ""));

        small.publish(get(small.nextId(), "/newest"));

        assertThat(small.flows()).extracting(f -> ((HttpFlow) f).request().path())
                .containsExactly("/running", "/done-2", "/newest");
        assertThat(small.evicted()).isEqualTo(1);
    }

    @Test
    void boundDropsTheOldestFlowWhenNoneIsCompleteButSparesTheNewest() {
        FlowStore small = new FlowStore(2);
        small.publish(get(small.nextId(), "/1"));
        small.publish(get(small.nextId(), "/2"));

        small.publish(answered(get(small.nextId(), "/3"), 200, ""));

        assertThat(small.flows()).extracting(Flow::id).containsExactly(2L, 3L);
    }

    @Test
    void updatingAFlowNeverEvictsAnything() {
        FlowStore small = new FlowStore(1);
        HttpFlow flow = get(small.nextId(), "/a");
        small.publish(flow);

        small.publish(answered(flow, 200, ""));

        assertThat(small.flows()).hasSize(1);
        assertThat(small.evicted()).isZero();
    }

    @Test
    void aBoundBelowOneIsRefusedWithASentence() {
        assertThatThrownBy(() -> new FlowStore(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A flow store must keep at least one flow, but maxFlows was 0.");
    }

    @Test
    void eightThreadsPublishingConcurrentlyLoseNothingAndKeepPerFlowOrder() throws Exception {
        int threadCount = 8;
        int flowsPerThread = 500;
        Map<Long, List<Integer>> statusesSeen = new ConcurrentHashMap<>();
        AtomicInteger delivered = new AtomicInteger();
        store.addListener(f -> {
            delivered.incrementAndGet();
            statusesSeen.computeIfAbsent(f.id(), id -> Collections.synchronizedList(new ArrayList<>()))
                    .add(((HttpFlow) f).status());
        });
        Flows view = store.since(store.mark());
        Future<List<Flow>> counted = threads.submit(() -> view.awaitCount(threadCount * flowsPerThread,
                Duration.ofSeconds(20)));
        CyclicBarrier start = new CyclicBarrier(threadCount);
        List<Future<?>> publishers = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            publishers.add(threads.submit(() -> {
                start.await();
                for (int i = 0; i < flowsPerThread; i++) {
                    HttpFlow flow = get(store.nextId(), "/" + i);
                    store.publish(flow);
                    store.publish(answered(flow, 100, ""));
                    store.publish(answered(flow, 200, ""));
                }
                return null;
            }));
        }
        for (Future<?> publisher : publishers) {
            publisher.get(20, TimeUnit.SECONDS);
        }

        assertThat(counted.get(20, TimeUnit.SECONDS)).hasSize(threadCount * flowsPerThread);
        assertThat(store.flows()).hasSize(threadCount * flowsPerThread).allMatch(f -> ((HttpFlow) f).status() == 200);
        assertThat(delivered.get()).isEqualTo(3 * threadCount * flowsPerThread);
        assertThat(statusesSeen.values()).allSatisfy(statuses -> assertThat(statuses).containsExactly(-1, 100, 200));
    }
}
