package dev.apptap.proxy.dns;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.DnsFlow;
import dev.apptap.proxy.rules.Rule;
import dev.apptap.proxy.rules.RuleSet;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuleSetDnsPolicyTest {

    private final RuleSet rules = new RuleSet();
    private final RuleSetDnsPolicy policy = new RuleSetDnsPolicy(rules);

    @Test
    void forwardsEverythingWithoutRulesOnline() {
        assertThat(policy.answer("api.example.test", "A")).isEmpty();
    }

    @Test
    void answersAStubbedHostAndForwardsOthers() {
        rules.on(get("https://api.example.test/v1/items")).respond(respond(200));

        assertThat(policy.answer("api.example.test", "A")).contains(DnsAnswer.stubbed());
        assertThat(policy.answer("API.Example.TEST.", "AAAA")).contains(DnsAnswer.stubbed());
        assertThat(policy.answer("other.example.test", "A")).isEmpty();
    }

    @Test
    void offlineAnswersEveryNameAndKeepsStubbedOnesStubbed() {
        rules.on(get("https://api.example.test/v1/items")).respond(respond(200));
        rules.offline(true);

        assertThat(policy.answer("api.example.test", "A")).map(DnsAnswer::resolution)
                .contains(DnsFlow.Resolution.STUBBED);
        assertThat(policy.answer("example.com", "A")).map(DnsAnswer::resolution)
                .contains(DnsFlow.Resolution.OFFLINE);
    }

    @Test
    void readsTheRuleSetOnEveryQuery() {
        Rule rule = rules.on(get("https://late.example.test/")).respond(respond(204));
        assertThat(policy.answer("late.example.test", "A")).isPresent();

        rule.remove();
        assertThat(policy.answer("late.example.test", "A")).isEqualTo(Optional.empty());
    }
}
