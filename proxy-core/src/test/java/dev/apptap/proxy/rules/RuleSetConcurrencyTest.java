package dev.apptap.proxy.rules;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RuleSetConcurrencyTest {

    private static final int DECIDERS = 8;

    @Test
    @Timeout(30)
    void decidingFromEightThreadsWhileRulesChangeNeverFailsAndCountsEveryHit() throws Exception {
        RuleSet stubs = new RuleSet();
        // A permanent rule, so every decision must find either it or one of the churning rules.
        Rule base = stubs.on(get("https://api.example.test/**")).respond(respond(200));
        RequestFacts request = RequestFacts.of("GET", "https://api.example.test/v1/items");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong decisions = new AtomicLong();
        ConcurrentLinkedQueue<Rule> churned = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Decision> unexpected = new ConcurrentLinkedQueue<>();
        CountDownLatch started = new CountDownLatch(DECIDERS + 1);
        ExecutorService pool = Executors.newFixedThreadPool(DECIDERS + 1);
        try {
            List<Future<?>> tasks = new ArrayList<>();
            for (int i = 0; i < DECIDERS; i++) {
                tasks.add(pool.submit(() -> {
                    started.countDown();
                    while (running.get()) {
                        Decision decision = stubs.decide(request);
                        if (!(decision instanceof Decision.Stubbed)) {
                            unexpected.add(decision);
                        }
                        stubs.needsBody(request);
                        stubs.matchesHost("api.example.test");
                        decisions.incrementAndGet();
                    }
                }));
            }
            tasks.add(pool.submit(() -> {
                started.countDown();
                for (int i = 0; i < 2_000; i++) {
                    Rule rule = stubs.on(get("https://api.example.test/v1/items")).respond(respond(201));
                    churned.add(rule);
                    if (i % 3 == 0) {
                        stubs.offline(i % 2 == 0);
                    }
                    rule.remove();
                }
            }));
            started.await();
            tasks.get(DECIDERS).get(20, TimeUnit.SECONDS);
            running.set(false);
            for (Future<?> task : tasks) {
                task.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(unexpected).isEmpty();
        long hits = base.hits() + churned.stream().mapToLong(Rule::hits).sum();
        assertThat(hits).isEqualTo(decisions.get());
        assertThat(stubs.rules()).containsExactly(base);
    }
}
