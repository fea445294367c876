package dev.apptap.cli;

import dev.apptap.flow.Sizes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apptap.proxy.rules.Decision;
import dev.apptap.proxy.rules.Fault;
import dev.apptap.proxy.rules.RequestFacts;
import dev.apptap.proxy.rules.RuleSet;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

/** The little languages of --stub, --route and --body-limit. */
class SpecsTest {

    @TempDir
    Path dir;

    @Test
    void stubWithJsonTextAndFileBodies() throws Exception {
        Path file = Files.writeString(dir.resolve("items.json"), "[3]");
        RuleSet rules = new RuleSet();
        StubSpec.parse("GET https://api.example.test/v1/items 200 [1,2]").addTo(rules);
        StubSpec.parse("post https://api.example.test/v1/login 201 welcome back").addTo(rules);
        StubSpec.parse("GET https://api.example.test/v1/file 200 @" + file).addTo(rules);

        Decision.Stubbed items = (Decision.Stubbed) rules.decide(RequestFacts.of("GET", "https://api.example.test/v1/items"));
        assertThat(items.response().status()).isEqualTo(200);
        assertThat(items.response().describe()).contains("application/json");
        Decision.Stubbed login = (Decision.Stubbed) rules.decide(RequestFacts.of("POST", "https://api.example.test/v1/login"));
        assertThat(login.response().status()).isEqualTo(201);
        assertThat(rules.decide(RequestFacts.of("GET", "https://api.example.test/v1/file")))
                .isInstanceOf(Decision.Stubbed.class);
        assertThat(StubSpec.parse("GET https://api.example.test/ 204").host()).isEqualTo("api.example.test");
    }

    @Test
    void faultGoesOnTheStubOrRouteThatAnswersItsUrlElseOnTheRequestPassedThrough() {
        RuleSet rules = new RuleSet();
        StubSpec.parse("GET https://api.example.test/v1/items 200 [1,2]").addTo(rules);
        RouteSpec.parse("payments.example.test=127.0.0.1:8089").addTo(rules);
        FaultSpec.parse("GET https://api.example.test/v1/items close-after=1").addTo(rules);
        FaultSpec.parse("GET https://payments.example.test/v1/pay throttle=1k").addTo(rules);
        FaultSpec.parse("* https://cdn.example.test/* delay=2s").addTo(rules);

        Decision.Stubbed items = (Decision.Stubbed) rules.decide(RequestFacts.of("GET", "https://api.example.test/v1/items"));
        assertThat(items.response().describe()).startsWith("respond 200 (5 B").endsWith(", then close after 1 body bytes");
        Decision.Routed pay = (Decision.Routed) rules.decide(RequestFacts.of("GET", "https://payments.example.test/v1/pay"));
        assertThat(pay.forward().describe()).isEqualTo("forward to http://127.0.0.1:8089, then throttle to 1024 B/s");
        assertThat(((Decision.Faulted) rules.decide(RequestFacts.of("POST", "https://cdn.example.test/app.js"))).fault())
                .isEqualTo(Fault.delay(Duration.ofSeconds(2)));
    }

    @Test
    void badFaultsSayWhichFaultsThereAre() {
        assertThatThrownBy(() -> new FaultSpec.Converter().convert("GET https://api.example.test/ explode"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("has the fault 'explode', which is not a fault; write one of reset,");
        assertThatThrownBy(() -> FaultSpec.parse("GET https://api.example.test/ delay=soon"))
                .hasMessageContaining("'soon' is not a duration such as 2s or 500ms");
        assertThatThrownBy(() -> FaultSpec.parse("GET https://api.example.test/"))
                .hasMessageContaining("needs a method, a URL and a fault");
    }

    @Test
    void badStubs() {
        assertThatThrownBy(() -> StubSpec.parse("GET https://api.example.test/ OK"))
                .hasMessageContaining("has the status 'OK', which is not a three-digit HTTP status");
        assertThatThrownBy(() -> new StubSpec.Converter().convert("GET https://a.test/ 200 @" + dir.resolve("missing")))
                .isInstanceOf(TypeConversionException.class).hasMessageContaining("missing");
    }

    @Test
    void stubWithStatusesAnswersInTurnWithTheBodyOnTheLast() {
        RuleSet rules = new RuleSet();
        StubSpec.parse("GET https://api.example.test/v1/flaky 503,200 ok").addTo(rules);
        RequestFacts flaky = RequestFacts.of("GET", "https://api.example.test/v1/flaky");

        assertThat(((Decision.Stubbed) rules.decide(flaky)).response().describe()).isEqualTo("respond 503");
        assertThat(((Decision.Stubbed) rules.decide(flaky)).response().describe()).startsWith("respond 200 (2 B");
        assertThat(((Decision.Stubbed) rules.decide(flaky)).response().status()).isEqualTo(200);
    }

    @Test
    void stubTemplateWithAnUnknownPlaceholderIsRefusedNamingIt() {
        assertThatThrownBy(() -> StubSpec.parse("GET https://api.example.test/v1/users/* 200 {\"id\":\"{{segment.2}}\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--stub 'GET https://api.example.test/v1/users/* 200 {\"id\":\"{{segment.2}}\"}':")
                .hasMessageContaining("{{segment.2}}, which apptap does not know; use {{method}}");
        assertThatThrownBy(() -> StubSpec.parse("GET https://api.example.test/ 503,,200"))
                .hasMessageContaining("has the status ''");
    }

    @Test
    void routes() {
        RouteSpec plain = RouteSpec.parse("api.example.test=127.0.0.1:8089");
        assertThat(plain.host()).isEqualTo("api.example.test");
        assertThat(plain.port()).isEmpty();
        assertThat(plain.forward().port()).isEqualTo(8089);

        RouteSpec tls = RouteSpec.parse("api.example.test:8443=https://[::1]:9443");
        assertThat(tls.port()).hasValue(8443);
        assertThat(tls.forward().host()).isEqualTo("::1");
        assertThat(tls.forward().describe()).contains("9443");

        assertThatThrownBy(() -> RouteSpec.parse("api.example.test=127.0.0.1:99999"))
                .hasMessageContaining("not a number from 1 to 65535");
    }

    /**
     * Found by RouteSpecFuzzTest (inputs route-with-brackets-only-as-host, route-to-nested-brackets,
     * route-to-control-character-host): a route that can match or reach no host.
     */
    @Test
    void refusesARouteWithoutAUsableHostOnEitherSide() {
        assertThatThrownBy(() -> RouteSpec.parse("[]=127.0.0.1:1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--route '[]=127.0.0.1:1' names no host before '='; write HOST[:PORT]=HOST:PORT, such as"
                        + " 'api.example.test=127.0.0.1:8089'");
        assertThatThrownBy(() -> RouteSpec.parse("api.example.test=[]:8089"))
                .hasMessageStartingWith("--route 'api.example.test=[]:8089' names no host after '='");
        assertThatThrownBy(() -> RouteSpec.parse("api.example.test=[[]]:2"))
                .hasMessageStartingWith("--route 'api.example.test=[[]]:2' names no host after '='");
        assertThatThrownBy(() -> RouteSpec.parse("api.example.test=https://\f.:2"))
                .hasMessage("--route 'api.example.test=https://\f.:2' names the host '\f.' after '=', but host names have"
                        + " no spaces or control characters");
    }

    /** Found by StubSpecFuzzTest (crash input stub-body-file-with-nul): a JDK InvalidPathException reached the user. */
    @Test
    void refusesAStubBodyFileNameThatIsNoPath() {
        assertThatThrownBy(() -> StubSpec.parse("GET https://api.example.test/ 200 @body\u0000.json"))
                .isInstanceOf(IllegalArgumentException.class).isNotInstanceOf(InvalidPathException.class)
                .hasMessage("--stub 'GET https://api.example.test/ 200 @body\u0000.json' names the body file 'body\u0000.json',"
                        + " which is not a valid path (Nul character not allowed)");
    }

    @Test
    void byteSizes() {
        ByteSize sizes = new ByteSize();
        assertThat(sizes.convert("512")).isEqualTo(512);
        assertThat(sizes.convert("512k")).isEqualTo(512 * 1024);
        assertThat(sizes.convert("1m")).isEqualTo(1 << 20);
        assertThat(sizes.convert("2MiB")).isEqualTo(2 << 20);
        assertThatThrownBy(() -> sizes.convert("3g")).isInstanceOf(TypeConversionException.class);
        assertThat(Sizes.describe(12_595)).isEqualTo("12.3 KiB");
    }
}
