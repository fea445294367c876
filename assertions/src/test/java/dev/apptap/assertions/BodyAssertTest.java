package dev.apptap.assertions;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.Fixtures.expectAssertionError;
import static dev.apptap.assertions.Fixtures.http;
import static org.assertj.core.api.BDDAssertions.then;

import dev.apptap.flow.HttpFlow;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BodyAssertTest {

    static final HttpFlow JSON = http(1, "POST", "https://api.example.test/v1/login")
            .body("{\"user\":{\"name\":\"alice\",\"age\":30},\"roles\":[\"admin\"],\"note\":null}", "application/json")
            .respond(204, "").build();
    static final String JSON_LINE = "#1 curl POST https://api.example.test/v1/login → 204 (0 B)";
    static final HttpFlow FORM = http(2, "POST", "https://auth.example.test/token")
            .body("grant_type=password&username=a%40b.test&scope=read&scope=write", "application/x-www-form-urlencoded")
            .build();
    static final String FORM_LINE = "#2 curl POST https://auth.example.test/token → (waiting for the response)";

    @Test
    void should_pass_on_text_bytes_json_and_form_fields() {
        assertThat(JSON).requestBody().contains("alice", "admin").isJson().isEqualTo(JSON.request().body().text());
        assertThat(JSON).requestBody().jsonAt("/user/name").isEqualTo("alice");
        assertThat(JSON).requestBody().jsonAt("/user/age").isEqualTo(30);
        assertThat(JSON).requestBody().jsonAt("/roles").isEqualTo(List.of("admin"));
        assertThat(JSON).requestBody().jsonAt("/user").isEqualTo(Map.of("name", "alice", "age", 30));
        assertThat(JSON).requestBody().jsonAt("/note").isNull();
        assertThat(JSON).requestBody().asBytes().startsWith((byte) '{');
        assertThat(JSON).requestBody().asText().endsWith("null}");
        assertThat(JSON).responseBody().isEmpty();
        assertThat(FORM).requestBody().hasFormField("username", "a@b.test").hasFormField("scope", "write");
    }

    @Test
    void should_fail_if_the_body_lacks_a_text() {
        then(expectAssertionError(() -> assertThat(JSON).requestBody().contains("alice", "bob", "carol")))
                .hasMessage("""

                        Expecting request body of flow:
                          %s
                        to contain:
                          ["bob", "carol"]
                        but they were not found in:
                          "{"user":{"name":"alice","age":30},"roles":["admin"],"note":null}\"""".formatted(JSON_LINE));
    }

    @Test
    void should_fail_if_the_body_is_not_json() {
        then(expectAssertionError(() -> assertThat(FORM).requestBody().isJson())).hasMessageStartingWith("""

                Expecting request body of flow:
                  %s
                to be JSON, but Unrecognized token 'grant_type'""".formatted(FORM_LINE))
                .hasMessageEndingWith("""
                        :
                          "grant_type=password&username=a%40b.test&scope=read&scope=write\"""");
    }

    @Test
    void should_fail_if_there_is_no_json_value_at_the_pointer() {
        then(expectAssertionError(() -> assertThat(JSON).requestBody().jsonAt("/user/email"))).hasMessage("""

                Expecting request body of flow:
                  %s
                to have a JSON value at:
                  /user/email
                but it had none in:
                  {"user":{"name":"alice","age":30},"roles":["admin"],"note":null}""".formatted(JSON_LINE));
    }

    @Test
    void should_name_the_pointer_if_the_json_value_differs() {
        then(expectAssertionError(() -> assertThat(JSON).requestBody().jsonAt("/user/name").isEqualTo("bob")))
                .hasMessageStartingWith("[JSON at /user/name of request body of flow #1] ")
                .hasMessageContaining("expected: \"bob\"")
                .hasMessageContaining("but was: \"alice\"");
    }

    @Test
    void should_fail_if_a_form_field_is_absent_or_differs() {
        then(expectAssertionError(() -> assertThat(FORM).requestBody().hasFormField("client_id", "app")))
                .hasMessage("""

                        Expecting request body of flow:
                          %s
                        to have form field "client_id" with value:
                          "app"
                        but it had no such field.
                        Form fields: [grant_type=password, username=a@b.test, scope=read, scope=write]"""
                                    .formatted(FORM_LINE));
        then(expectAssertionError(() -> assertThat(FORM).requestBody().hasFormField("scope", "admin")))
                .hasMessageContaining("but it had [\"read\", \"write\"].");
    }

    @Test
    void should_fail_if_the_body_is_not_empty() {
        then(expectAssertionError(() -> assertThat(FORM).requestBody().isEmpty())).hasMessage("""

                Expecting request body of flow:
                  %s
                to be empty, but it had 62 bytes:
                  "grant_type=password&username=a%%40b.test&scope=read&scope=write\"""".formatted(FORM_LINE));
    }

    @Test
    void should_fail_if_the_response_body_differs() {
        then(expectAssertionError(() -> assertThat(JSON).responseBody().isEqualTo("ok"))).hasMessage("""

                Expecting response body of flow:
                  %s
                to be:
                  "ok"
                but was:
                  \"\"""".formatted(JSON_LINE));
    }
}
