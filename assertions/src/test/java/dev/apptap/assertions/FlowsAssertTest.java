package dev.apptap.assertions;

import static dev.apptap.assertions.ApptapAssertions.anyRequestTo;
import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.atLeast;
import static dev.apptap.assertions.ApptapAssertions.atMost;
import static dev.apptap.assertions.ApptapAssertions.between;
import static dev.apptap.assertions.ApptapAssertions.exactly;
import static dev.apptap.assertions.ApptapAssertions.get;
import static dev.apptap.assertions.ApptapAssertions.never;
import static dev.apptap.assertions.ApptapAssertions.post;
import static dev.apptap.assertions.ApptapAssertions.request;
import static dev.apptap.assertions.Fixtures.PYTHON;
import static dev.apptap.assertions.Fixtures.expectAssertionError;
import static dev.apptap.assertions.Fixtures.http;
import static dev.apptap.assertions.Fixtures.tcp;
import static org.assertj.core.api.BDDAssertions.then;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class FlowsAssertTest {

    static final HttpFlow HEALTH = http(1, "GET", "https://api.example.test/v1/health").respond(200, "ok").build();
    static final HttpFlow LOGON = http(2, "POST", "https://api.example.test/v1/logon")
            .body("{\"user\":\"alice\"}", "application/json").respond(404, "not found").build();
    static final Flow DB = tcp(3, "db.example.test", 5432);
    static final HttpFlow LOGIN_BOB = http(4, "POST", "https://api.example.test/v1/login").process(PYTHON)
            .body("{\"user\":\"bob\"}", "application/json").respond(401, "").build();
    static final HttpFlow ITEMS = http(5, "GET", "https://api.example.test/v1/items?page=2&size=10")
            .header("Accept", "application/json").respond(200, "[]").build();

    static final String ALL_FOUR = """
            All 4 flows of the test:
              #1 curl GET https://api.example.test/v1/health → 200 (2 B)
              #2 curl POST https://api.example.test/v1/logon → 404 (9 B)
              #3 curl tcp://db.example.test:5432 ↑3 B ↓0 B (5 ms)
              #4 python3 POST https://api.example.test/v1/login → 401 (0 B)""";

    static Flows flows(Flow... published) {
        FlowStore store = new FlowStore();
        for (Flow flow : published) {
            store.publish(flow);
        }
        return store.view();
    }

    @Test
    void should_pass_if_a_flow_matches_the_request() {
        // GIVEN
        Flows flows = flows(HEALTH, LOGON, DB, LOGIN_BOB, ITEMS);
        // WHEN / THEN
        assertThat(flows).hasRequest(get("https://api.example.test/v1/health"))
                         .hasRequest(post("/v1/login").withHeader("CONTENT-TYPE", "application/json")
                                                      .withJsonPointer("/user", "bob"))
                         .hasRequest(get("https://api.example.test:443/v1/items?size=10&page=2"))
                         .hasRequest(get("https://api.example.test/v1/items?page=2"))
                         .hasRequest(get("https://*.example.test/v1/**"))
                         .hasRequest(get("/v1/items").withQueryParam("page", "2"))
                         .hasRequest(request("post", "/v1/logon").withBodyContaining("alice"))
                         .hasRequest(post("/v1/logon").withJsonBody("{\"user\": \"alice\"}"))
                         .hasRequest(anyRequestTo("api.example.test").withJsonPath("$.user", "bob"));
    }

    @Test
    void should_show_the_closest_flows_as_a_diff_and_every_flow_if_none_matches() {
        // GIVEN
        Flows flows = flows(HEALTH, LOGON, DB, LOGIN_BOB);
        // WHEN
        AssertionError error = expectAssertionError(() -> assertThat(flows).hasRequest(
                post("https://api.example.test/v1/login").withHeader("content-type", "application/json")
                                                         .withJsonPath("$.user", "alice")));
        // THEN
        then(error).hasMessage("""

                Expecting a flow matching:
                  POST https://api.example.test/v1/login
                    with header content-type = "application/json"
                    with JSON $.user = "alice"
                but no flow matched it.
                The closest flows:
                  #2 curl POST https://api.example.test/v1/logon → 404 (9 B)
                      method               POST
                      scheme               https
                      host                 api.example.test
                    ✗ path                 expected:</v1/login> but was:</v1/logon>
                      header content-type  "application/json"
                      JSON $.user          "alice"
                  #4 python3 POST https://api.example.test/v1/login → 401 (0 B)
                      method               POST
                      scheme               https
                      host                 api.example.test
                      path                 /v1/login
                      header content-type  "application/json"
                    ✗ JSON $.user          expected:<"alice"> but was:<"bob">
                  #1 curl GET https://api.example.test/v1/health → 200 (2 B)
                    ✗ method               expected:<POST> but was:<GET>
                      scheme               https
                      host                 api.example.test
                    ✗ path                 expected:</v1/login> but was:</v1/health>
                    ✗ header content-type  expected:<"application/json"> but was:<absent>
                    ✗ JSON $.user          expected:<"alice"> but was:<empty body>
                """ + ALL_FOUR);
    }

    @Test
    void should_compare_the_query_and_name_the_scope_in_a_near_miss() {
        // GIVEN
        Flows flows = flows(HEALTH, LOGON, DB, LOGIN_BOB, ITEMS);
        // WHEN
        AssertionError error = expectAssertionError(() -> assertThat(flows).fromProcess("curl").toHost("API.example.test")
                .hasRequest(get("/v1/items?page=3").withHeader("accept", "application/xml")));
        // THEN
        then(error).hasMessageStartingWith("""

                Expecting a flow matching:
                  GET /v1/items
                    with query param page = "3"
                    with header accept = "application/xml"
                but no flow from process "curl" to host "API.example.test" matched it.
                The closest flows:
                  #5 curl GET https://api.example.test/v1/items?page=2&size=10 → 200 (2 B)
                      method            GET
                      path              /v1/items
                    ✗ query param page  expected:<"3"> but was:<"2">
                    ✗ header accept     expected:<"application/xml"> but was:<"application/json">
                  #1 curl GET https://api.example.test/v1/health → 200 (2 B)
                """)
                   .hasMessageContaining("All 5 flows of the test:");
    }

    @Test
    void should_say_so_if_no_flow_was_recorded() {
        // GIVEN
        Flows flows = flows();
        // WHEN
        AssertionError error = expectAssertionError(() -> assertThat(flows).hasRequest(get("/v1/ping")));
        // THEN
        then(error).hasMessage("""

                Expecting a flow matching:
                  GET /v1/ping
                but no flow was recorded; check that the app ran and that its traffic goes through apptap.""");
    }

    @Test
    void should_list_every_flow_if_none_is_in_scope() {
        // GIVEN
        Flows flows = flows(HEALTH, LOGON, DB, LOGIN_BOB);
        // WHEN
        AssertionError error = expectAssertionError(() -> assertThat(flows).fromProcess("wget").hasRequest(get("/")));
        // THEN
        then(error).hasMessage("""

                Expecting a flow matching:
                  GET /
                but no flow from process "wget" was recorded.
                """ + ALL_FOUR);
    }

    @Test
    void should_pass_if_no_flow_matches_the_unexpected_request() {
        assertThat(flows(HEALTH, LOGON)).doesNotHaveRequest(get("/v1/admin")).doesNotHaveRequest(post("/v1/health"));
    }

    @Test
    void should_fail_if_a_flow_matches_the_unexpected_request() {
        // GIVEN
        Flows flows = flows(HEALTH, LOGON, DB, LOGIN_BOB);
        // WHEN
        AssertionError error = expectAssertionError(() -> assertThat(flows).doesNotHaveRequest(get("/v1/health")));
        // THEN
        then(error).hasMessage("""

                Expecting no flow matching:
                  GET /v1/health
                but found 1:
                  #1 curl GET https://api.example.test/v1/health → 200 (2 B)""");
    }

    @Test
    void should_pass_if_the_count_of_matching_flows_is_within_the_bounds() {
        HttpFlow again = http(6, "GET", "https://api.example.test/v1/health").respond(503, "").build();
        assertThat(flows(HEALTH, LOGON, LOGIN_BOB, again)).hasRequest(request("POST", "/v1/login"), exactly(1))
                                                          .hasRequest(get("/v1/none"), never())
                                                          .hasRequest(get("/v1/health"), atLeast(2))
                                                          .hasRequest(get("/v1/health"), atMost(2))
                                                          .hasRequest(post("/v1/**"), between(1, 2))
                                                          .hasRequest(post("https://api.example.test/v1/logon"));
    }

    @Test
    void should_say_which_bound_a_count_missed() {
        // GIVEN
        Flows flows = flows(HEALTH, LOGON, LOGIN_BOB);
        // WHEN
        AssertionError atLeast = expectAssertionError(() -> assertThat(flows).hasRequest(post("/v1/**"), atLeast(3)));
        AssertionError between = expectAssertionError(
                () -> assertThat(flows).hasRequest(post("/v1/**"), between(0, 1)));
        // THEN
        then(atLeast).hasMessageStartingWith("%nExpecting at least 3 flows matching:%n  POST /v1/**%nbut found 2:".formatted());
        then(between).hasMessageStartingWith("%nExpecting at most 1 flow matching:%n  POST /v1/**%nbut found 2:".formatted());
    }

    @Test
    void should_reject_a_count_with_no_room() {
        then(Assertions.catchThrowable(() -> between(3, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A count must lie between 0 and a maximum no smaller than its minimum, but got 3 to 2.");
    }

    @Test
    void should_list_the_matches_if_the_count_is_wrong() {
        // GIVEN
        HttpFlow again = http(6, "GET", "https://api.example.test/v1/health").respond(503, "").build();
        Flows flows = flows(HEALTH, LOGON, again);
        // WHEN
        AssertionError error = expectAssertionError(
                () -> assertThat(flows).hasRequest(get("https://api.example.test/v1/health"), exactly(3)));
        // THEN
        then(error).hasMessage("""

                Expecting exactly 3 flows matching:
                  GET https://api.example.test/v1/health
                but found 2:
                  #1 curl GET https://api.example.test/v1/health → 200 (2 B)
                  #6 curl GET https://api.example.test/v1/health → 503 (0 B)""");
    }

    @Test
    void should_show_near_misses_if_the_count_is_wrong_because_nothing_matched() {
        // GIVEN
        Flows flows = flows(HEALTH);
        // WHEN
        AssertionError error = expectAssertionError(() -> assertThat(flows).hasRequest(get("/v1/healthz"), atLeast(2)));
        // THEN
        then(error).hasMessage("""

                Expecting at least 2 flows matching:
                  GET /v1/healthz
                but no flow matched it.
                The closest flow:
                  #1 curl GET https://api.example.test/v1/health → 200 (2 B)
                      method  GET
                    ✗ path    expected:</v1/healthz> but was:</v1/health>
                The only flow of the test:
                  #1 curl GET https://api.example.test/v1/health → 200 (2 B)""");
    }

    @Test
    void should_pass_if_requests_came_in_order_with_others_in_between() {
        assertThat(flows(HEALTH, LOGON, DB, LOGIN_BOB, ITEMS))
                .hasRequestsInOrder(get("/v1/health"), post("/v1/login"), get("/v1/items"));
    }

    @Test
    void should_fail_if_requests_came_in_another_order() {
        // GIVEN
        Flows flows = flows(HEALTH, LOGON, DB, LOGIN_BOB);
        // WHEN
        AssertionError error = expectAssertionError(
                () -> assertThat(flows).hasRequestsInOrder(post("/v1/login"), get("/v1/health")));
        // THEN
        then(error).hasMessage("""

                Expecting flows matching, in this order:
                  1. POST /v1/login
                  2. GET /v1/health
                but no flow matching pattern 2 came after #4, which matched pattern 1; #1 matched pattern 2 before it.
                """ + ALL_FOUR);
    }

    @Test
    void should_show_near_misses_if_a_request_of_the_sequence_never_came() {
        // GIVEN
        Flows flows = flows(HEALTH);
        // WHEN
        AssertionError error = expectAssertionError(
                () -> assertThat(flows).hasRequestsInOrder(get("/v1/health"), get("/v1/healthz")));
        // THEN
        then(error).hasMessage("""

                Expecting flows matching, in this order:
                  1. GET /v1/health
                  2. GET /v1/healthz
                but no flow matched pattern 2.
                The closest flow:
                  #1 curl GET https://api.example.test/v1/health → 200 (2 B)
                      method  GET
                    ✗ path    expected:</v1/healthz> but was:</v1/health>
                The only flow of the test:
                  #1 curl GET https://api.example.test/v1/health → 200 (2 B)""");
    }

    @Test
    void should_narrow_to_a_process_a_host_and_http_flows() {
        // GIVEN
        Flows flows = flows(HEALTH, LOGON, DB, LOGIN_BOB);
        // WHEN / THEN
        assertThat(flows).fromProcess("python3").singleElement().hasPath("/v1/login");
        assertThat(flows).toHost("db.example.test").singleElement().isEqualTo(DB);
        assertThat(flows).httpFlows().hasSize(3).doesNotContain(DB);
        assertThat(flows).fromProcess("curl").httpFlows().toHost("api.example.test").hasSize(2);
    }

    @Test
    void should_keep_its_type_through_assertj_navigation() {
        // GIVEN
        Flows flows = flows(HEALTH, LOGON, DB, LOGIN_BOB);
        // WHEN / THEN
        assertThat(flows).filteredOn(f -> f.id() > 1).hasRequest(post("/v1/login")).first().hasMethod("POST");
        assertThat(flows).element(2).isEqualTo(DB);
        assertThat(flows).last().fromProcess("python3");
        assertThat(flows).filteredOn(Flow::isComplete).filteredOn(f -> f instanceof HttpFlow).hasSize(3);
        assertThat(List.of(HEALTH, ITEMS)).allSatisfy(f -> assertThat(f).hasMethod("GET"));
    }

    @Test
    void should_name_a_filtered_scope_in_messages() {
        // GIVEN
        Flows flows = flows(HEALTH, LOGON);
        // WHEN
        AssertionError error = expectAssertionError(
                () -> assertThat(flows).filteredOn(f -> f.id() > 5).hasRequest(get("/v1/health")));
        // THEN
        then(error).hasMessageContaining("but no flow matching the filter was recorded.");
    }

    @Test
    void should_print_flows_as_one_line_each_in_inherited_checks() {
        // GIVEN
        Flows flows = flows(HEALTH, DB);
        // WHEN
        AssertionError error = expectAssertionError(() -> assertThat(flows).hasSize(3));
        // THEN
        then(error).hasMessage("""

                Expected size: 3 but was: 2 in:
                [#1 curl GET https://api.example.test/v1/health → 200 (2 B),
                    #3 curl tcp://db.example.test:5432 ↑3 B ↓0 B (5 ms)]""");
    }

    @Test
    void should_start_a_navigated_message_with_its_description() {
        // GIVEN
        Flows flows = flows(HEALTH, DB);
        // WHEN
        AssertionError error = expectAssertionError(() -> assertThat(flows).as("curl's flows").first().hasStatus(201));
        // THEN
        then(error).hasMessageStartingWith("[curl's flows check first element] ");
    }

    @Test
    void should_refuse_to_wait_on_a_fixed_list() {
        // WHEN
        Throwable thrown = Assertions.catchThrowable(
                () -> assertThat(List.of(HEALTH)).within(Duration.ofSeconds(1)));
        // THEN
        then(thrown).isInstanceOf(IllegalStateException.class)
                    .hasMessage("within() waits for flows to arrive, so it needs a live Flows view: "
                                + "call assertThat(Flows), not assertThat(List).");
    }

    @Test
    void should_reject_a_pattern_whose_url_is_not_http() {
        // WHEN
        Throwable thrown = Assertions.catchThrowable(() -> get("ftp://api.example.test/v1"));
        // THEN
        then(thrown).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("\"ftp://api.example.test/v1\" has scheme ftp; apptap's rules match http and https "
                                + "(or * for both)");
    }

    @Test
    void should_describe_a_pattern_on_one_line() {
        then(post("https://api.example.test/v1/login").withHeader("X-Id", "7").withQueryParam("a", "b")
                                                      .withBodyContaining("x").withJsonPointer("/n", 7).toString())
                .isEqualTo("POST https://api.example.test/v1/login with header X-Id = \"7\", query param a = \"b\", "
                           + "body containing \"x\", JSON /n = 7");
    }

    @Test
    void should_match_json_leniently_and_by_json_path() {
        // GIVEN
        HttpFlow order = http(1, "POST", "https://api.example.test/v1/orders")
                .body("{\"id\":7,\"items\":[{\"sku\":\"a\",\"qty\":1},{\"sku\":\"b\",\"qty\":2}]}",
                      "application/json").build();
        // WHEN / THEN
        assertThat(List.of(order))
                .hasRequest(post("/v1/orders").withJsonBodyLenient("{\"items\":[{\"sku\":\"b\"},{\"sku\":\"a\"}]}"))
                .hasRequest(post("/v1/orders").withJsonPath("$.items[?(@.qty > 1)].sku", "b"))
                .doesNotHaveRequest(post("/v1/orders").withJsonBody("{\"items\":[{\"sku\":\"b\"},{\"sku\":\"a\"}]}"));
    }

    @Test
    void should_use_a_pattern_as_a_predicate_on_flows() {
        then(get("/v1/health").matches(HEALTH)).isTrue();
        then(get("/v1/health").matches(DB)).isFalse();
    }

    @Test
    void should_compare_json_numbers_by_value() {
        // GIVEN
        HttpFlow flow = http(1, "POST", "https://api.example.test/v1/n").body("{\"n\":7.0,\"ok\":true}",
                                                                               "application/json").build();
        // WHEN / THEN
        assertThat(List.of(flow)).hasRequest(post("/v1/n").withJsonPointer("/n", 7L).withJsonPath("$.ok", true));
    }
}
