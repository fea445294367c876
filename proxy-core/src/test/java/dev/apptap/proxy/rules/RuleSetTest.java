package dev.apptap.proxy.rules;

import static dev.apptap.proxy.rules.Actions.closeConnection;
import static dev.apptap.proxy.rules.Actions.forwardTo;
import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.Actions.respondJson;
import static dev.apptap.proxy.rules.RequestMatcher.any;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequest;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequestTo;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static dev.apptap.proxy.rules.RequestMatcher.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RuleSetTest {

    private final RuleSet stubs = new RuleSet();

    private static RequestFacts req(String method, String url) {
        return RequestFacts.of(method, url);
    }

    @Nested
    class Decide {

        @Test
        void matchingRespondRuleStubsTheRequest() {
            Respond ok = respond(200).withBody("ok");
            Rule rule = stubs.on(get("https://api.example.test/v1/items")).respond(ok);

            Decision decision = stubs.decide(req("GET", "https://api.example.test/v1/items"));

            assertThat(decision).isEqualTo(new Decision.Stubbed(rule, ok));
            assertThat(decision.matchedRule()).contains(rule);
        }

        @Test
        void matchingForwardRuleRoutesTheRequest() {
            Rule rule = stubs.on(anyRequestTo("api.example.test")).forwardTo("127.0.0.1", 8089);

            Decision decision = stubs.decide(req("POST", "https://api.example.test/v1/login"));

            assertThat(decision).isEqualTo(new Decision.Routed(rule, (Forward) rule.action()));
            assertThat(((Decision.Routed) decision).forward().authority()).isEqualTo("127.0.0.1:8089");
        }

        @Test
        void matchingCloseRuleClosesTheConnection() {
            Rule rule = stubs.on(post("https://api.example.test/v1/upload")).close();

            assertThat(stubs.decide(req("POST", "https://api.example.test/v1/upload"))).isEqualTo(new Decision.Closed(rule));
        }

        @Test
        void unmatchedRequestPassesThroughWhenOnline() {
            stubs.on(get("https://api.example.test/v1/items")).respond(respond(200));

            Decision decision = stubs.decide(req("GET", "https://cdn.example.test/logo.png"));

            assertThat(decision).isEqualTo(Decision.PASS_THROUGH);
            assertThat(decision.matchedRule()).isEmpty();
        }

        @Test
        void newestMatchingRuleWins() {
            stubs.on(anyRequestTo("api.example.test")).respond(respond(404));
            Rule specific = stubs.on(get("https://api.example.test/v1/items")).respond(respond(200));

            assertThat(stubs.decide(req("GET", "https://api.example.test/v1/items")).matchedRule()).contains(specific);
            assertThat(stubs.decide(req("GET", "https://api.example.test/v1/other")))
                    .isInstanceOfSatisfying(Decision.Stubbed.class, s -> assertThat(s.response().status()).isEqualTo(404));
        }

        @Test
        void stubbingTheSameMatcherAgainOverridesTheEarlierRule() {
            RequestMatcher login = post("https://api.example.test/v1/login");
            stubs.on(login).respond(respond(200));
            stubs.on(login).respond(respond(401));

            assertThat(stubs.decide(req("POST", "https://api.example.test/v1/login")))
                    .isInstanceOfSatisfying(Decision.Stubbed.class, s -> assertThat(s.response().status()).isEqualTo(401));
        }

        @Test
        void removingTheOverrideBringsTheEarlierRuleBack() {
            RequestMatcher login = post("https://api.example.test/v1/login");
            Rule first = stubs.on(login).respond(respond(200));
            Rule override = stubs.on(login).respond(respond(401));

            assertThat(override.remove()).isTrue();

            assertThat(stubs.decide(req("POST", "https://api.example.test/v1/login")).matchedRule()).contains(first);
            assertThat(override.isActive()).isFalse();
            assertThat(override.remove()).isFalse();
        }

        @Test
        void hitsCountOnlyTheWinningRule() {
            Rule fallback = stubs.on(anyRequest()).respond(respond(404));
            Rule items = stubs.on(get("https://api.example.test/v1/items")).respond(respond(200));

            stubs.decide(req("GET", "https://api.example.test/v1/items"));
            stubs.decide(req("GET", "https://api.example.test/v1/items"));
            stubs.decide(req("GET", "https://api.example.test/v1/other"));

            assertThat(items.hits()).isEqualTo(2);
            assertThat(fallback.hits()).isEqualTo(1);
        }

        @Test
        void unusedRulesNameStubsNoRequestReached() {
            Rule used = stubs.on(get("https://api.example.test/v1/items")).respond(respond(200));
            Rule typo = stubs.on(get("https://api.example.test/v1/itmes")).respond(respond(200));

            stubs.decide(req("GET", "https://api.example.test/v1/items"));

            assertThat(stubs.unusedRules()).containsExactly(typo);
            assertThat(used.hits()).isOne();
        }

        @Test
        void rulesAreListedInTheOrderAdded() {
            Rule first = stubs.on(anyRequest()).close();
            Rule second = stubs.on(anyRequestTo("a.test")).respond(respond(200));

            assertThat(stubs.rules()).containsExactly(first, second);
            assertThat(first.id()).isEqualTo(1);
            assertThat(second.id()).isEqualTo(2);
        }

        @Test
        void clearRemovesEveryRuleAndGoesOnline() {
            Rule rule = stubs.on(anyRequest()).respond(respond(200));
            stubs.offline(true);

            stubs.clear();

            assertThat(stubs.rules()).isEmpty();
            assertThat(stubs.isOffline()).isFalse();
            assertThat(rule.isActive()).isFalse();
            assertThat(stubs.decide(req("GET", "https://api.example.test/"))).isEqualTo(Decision.PASS_THROUGH);
        }

        @Test
        void ruleDescribesMatcherAndAction() {
            Rule rule = stubs.on(post("https://api.example.test/v1/login")).respond(respondJson(200, "{}"));

            assertThat(rule.describe())
                    .isEqualTo("#1 POST https://api.example.test/v1/login → respond 200 (2 B application/json)");
        }
    }

    @Nested
    class Offline {

        @Test
        void unmatchedRequestGetsTheSentenceNamingMethodUrlAndTheStubToAdd() {
            stubs.offline(true);

            Decision decision = stubs.decide(req("POST", "https://api.example.test/v1/login"));

            assertThat(decision).isInstanceOfSatisfying(Decision.OfflineUnmatched.class, offline -> {
                assertThat(offline.sentence()).isEqualTo("apptap is offline and no stub matched POST "
                        + "https://api.example.test/v1/login; add one with "
                        + "stubs.on(post(\"https://api.example.test/v1/login\")).respond(...).");
                assertThat(offline.closest()).isEmpty();
                assertThat(offline.body()).isEqualTo(offline.sentence() + "\n");
            });
        }

        @Test
        void sentenceKeepsPortAndQueryAndUsesRequestForUnusualMethods() {
            assertThat(RuleSet.offlineSentence(req("PROPFIND", "http://localhost:8080/dav?depth=1")))
                    .isEqualTo("apptap is offline and no stub matched PROPFIND http://localhost:8080/dav?depth=1; add one "
                            + "with stubs.on(request(\"PROPFIND\", \"http://localhost:8080/dav?depth=1\")).respond(...).");
        }

        @Test
        void offlineResponseIsA502WithTheClosestRules() {
            stubs.on(post("https://api.example.test/v1/login")).respond(respond(200));
            stubs.offline(true);

            Decision.OfflineUnmatched offline =
                    (Decision.OfflineUnmatched) stubs.decide(req("GET", "https://api.example.test/v1/login"));

            assertThat(offline.response().status()).isEqualTo(502);
            assertThat(offline.body()).isEqualTo(offline.sentence() + "\n\nClosest rules:\n"
                    + "#1 POST https://api.example.test/v1/login → respond 200 (never used)\n"
                    + "    method: expected POST but was GET\n");
        }

        @Test
        void matchingRuleStillAnswersWhenOffline() {
            Rule rule = stubs.on(get("https://api.example.test/v1/items")).respond(respond(200));
            stubs.offline(true);

            assertThat(stubs.decide(req("GET", "https://api.example.test/v1/items")).matchedRule()).contains(rule);
        }
    }

    @Nested
    class NeedsBody {

        private final RequestFacts loginHead = req("POST", "https://api.example.test/v1/login")
                .withHeader("Content-Type", "application/json");

        @Test
        void trueWhenARuleWhoseHeadMatchesLooksAtTheBody() {
            stubs.on(post("https://api.example.test/v1/login").withJsonPointer("/user", "ann")).respond(respond(200));

            assertThat(stubs.needsBody(loginHead)).isTrue();
        }

        @Test
        void falseWhenBodyRulesAreForOtherRequests() {
            stubs.on(post("https://api.example.test/v1/orders").withBodyContaining("x")).respond(respond(200));

            assertThat(stubs.needsBody(loginHead)).isFalse();
        }

        @Test
        void falseWhenANewerRuleMatchesOnTheHeadAlone() {
            stubs.on(post("https://api.example.test/v1/login").withBodyContaining("ann")).respond(respond(200));
            stubs.on(anyRequestTo("api.example.test")).respond(respond(503));

            assertThat(stubs.needsBody(loginHead)).isFalse();
        }

        @Test
        void trueWhenABodyRuleIsNewerThanAHeadOnlyRule() {
            stubs.on(anyRequestTo("api.example.test")).respond(respond(503));
            stubs.on(post("https://api.example.test/v1/login").withBodyContaining("ann")).respond(respond(200));

            assertThat(stubs.needsBody(loginHead)).isTrue();
        }

        @Test
        void falseWithoutRules() {
            assertThat(stubs.needsBody(loginHead)).isFalse();
        }

        @Test
        void theBodyDecidesOnceBuffered() {
            Rule ann = stubs.on(post("https://api.example.test/v1/login").withJsonPointer("/user", "ann"))
                    .respond(respond(200));

            assertThat(stubs.decide(loginHead.withBody("{\"user\":\"ann\"}")).matchedRule()).contains(ann);
            assertThat(stubs.decide(loginHead.withBody("{\"user\":\"bob\"}"))).isEqualTo(Decision.PASS_THROUGH);
        }
    }

    @Nested
    class MatchesHost {

        @Test
        void trueForHostsSomeRuleNames() {
            stubs.on(get("https://api.example.test/v1/items")).respond(respond(200));
            stubs.on(any("https://*.cdn.example.test/**")).respond(respond(200));

            assertThat(stubs.matchesHost("api.example.test")).isTrue();
            assertThat(stubs.matchesHost("img.cdn.example.test")).isTrue();
            assertThat(stubs.matchesHost("API.EXAMPLE.TEST.")).isTrue();
            assertThat(stubs.matchesHost("other.example.test")).isFalse();
        }

        @Test
        void trueForEveryHostOnceARuleNamesNoHost() {
            stubs.on(anyRequest().withHeader("X-Test")).close();

            assertThat(stubs.matchesHost("anything.test")).isTrue();
        }

        @Test
        void falseWithoutRules() {
            assertThat(stubs.matchesHost("api.example.test")).isFalse();
        }
    }

    @Nested
    class Closest {

        @Test
        void rulesDifferingInFewerAndLighterFieldsComeFirstAndATypoIsNearerThanAnotherHost() {
            Rule otherHost = stubs.on(get("https://cdn.example.test/v1/login")).respond(respond(200));
            Rule otherMethod = stubs.on(post("https://api.example.test/v1/login")).respond(respond(200));
            Rule otherPathAndMethod = stubs.on(post("https://api.example.test/v1/logout")).respond(respond(200));

            var closest = stubs.closest(req("GET", "https://api.example.test/v1/login"), 3);

            assertThat(closest).extracting(NearMiss::rule).containsExactly(otherMethod, otherPathAndMethod, otherHost);
            assertThat(closest.get(0).mismatches()).extracting(Comparison.Field::explain)
                    .containsExactly("method: expected POST but was GET");
        }

        @Test
        void explanationNamesEachDifferingField() {
            stubs.on(post("https://api.example.test/v1/login").withHeader("Authorization")
                    .withJsonPointer("/user/name", "ann")).respond(respond(200));

            NearMiss miss = stubs.closest(req("POST", "https://api.example.test/v1/logon")
                    .withBody("{\"user\":{\"name\":\"bob\"}}"), 1).get(0);

            assertThat(miss.explain()).isEqualTo("#1 POST https://api.example.test/v1/login with header Authorization "
                    + "present, JSON /user/name = \"ann\" → respond 200 (never used)\n"
                    + "    path: expected /v1/login but was /v1/logon\n"
                    + "    header Authorization: expected present but was absent\n"
                    + "    JSON /user/name: expected \"ann\" but was \"bob\"");
            // path 3 × 1/9 (one edit in nine characters) + header 1 + JSON 1, over the weights 2+1+4+3+1+1
            assertThat(miss.distance()).isCloseTo((3.0 / 9 + 2) / 12, within(1e-9));
        }

        @Test
        void matchingRuleComesFirstWithNoDifferences() {
            Rule match = stubs.on(get("https://api.example.test/v1/items")).respond(respond(200));
            stubs.on(get("https://api.example.test/v1/other")).respond(respond(200));

            NearMiss first = stubs.closest(req("GET", "https://api.example.test/v1/items"), 2).get(0);

            assertThat(first.rule()).isEqualTo(match);
            assertThat(first.matches()).isTrue();
            assertThat(first.explain()).endsWith("\n    matches this request");
        }

        @Test
        void tiesGoToTheNewerRuleAndNLimitsTheList() {
            stubs.on(get("https://api.example.test/a")).respond(respond(200));
            Rule newer = stubs.on(get("https://api.example.test/b")).respond(respond(200));

            assertThat(stubs.closest(req("GET", "https://api.example.test/c"), 1)).extracting(NearMiss::rule)
                    .containsExactly(newer);
            assertThat(stubs.closest(req("GET", "https://api.example.test/c"), 0)).isEmpty();
        }

        @Test
        void closestDoesNotCountHits() {
            Rule rule = stubs.on(anyRequest()).respond(respond(200));

            stubs.closest(req("GET", "https://api.example.test/"), 1);
            stubs.needsBody(req("GET", "https://api.example.test/"));

            assertThat(rule.hits()).isZero();
        }

        @Test
        void forwardAndCloseRulesAreExplainedToo() {
            stubs.on(get("https://api.example.test/a")).forwardTo(forwardTo("127.0.0.1", 8089));
            stubs.on(get("https://api.example.test/b")).then(closeConnection());

            assertThat(stubs.closest(req("GET", "https://api.example.test/c"), 2)).extracting(NearMiss::explain)
                    .containsExactly(
                            "#2 GET https://api.example.test/b → close the connection (never used)\n"
                                    + "    path: expected /b but was /c",
                            "#1 GET https://api.example.test/a → forward to http://127.0.0.1:8089 (never used)\n"
                                    + "    path: expected /a but was /c");
        }
    }
}
