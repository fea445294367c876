package dev.apptap.proxy.rules;

import static dev.apptap.proxy.rules.RequestMatcher.any;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequest;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequestTo;
import static dev.apptap.proxy.rules.RequestMatcher.delete;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static dev.apptap.proxy.rules.RequestMatcher.post;
import static dev.apptap.proxy.rules.RequestMatcher.put;
import static dev.apptap.proxy.rules.RequestMatcher.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestMatcherTest {

    private static RequestFacts req(String method, String url) {
        return RequestFacts.of(method, url);
    }

    @Nested
    class MethodAndUrl {

        @Test
        void getMatchesAGetToTheSameUrl() {
            assertThat(get("https://api.example.test/v1/items").matches(req("GET", "https://api.example.test/v1/items")))
                    .isTrue();
        }

        @Test
        void getDoesNotMatchAPost() {
            assertThat(get("https://api.example.test/v1/items").matches(req("POST", "https://api.example.test/v1/items")))
                    .isFalse();
        }

        @Test
        void eachVerbFactoryMatchesOnlyItsMethod() {
            String url = "https://api.example.test/v1/items";
            assertThat(post(url).matches(req("POST", url))).isTrue();
            assertThat(put(url).matches(req("PUT", url))).isTrue();
            assertThat(delete(url).matches(req("DELETE", url))).isTrue();
            assertThat(request("patch", url).matches(req("PATCH", url))).isTrue();
            assertThat(put(url).matches(req("POST", url))).isFalse();
        }

        @Test
        void anyMatchesEveryMethodToTheUrl() {
            assertThat(any("https://api.example.test/v1/items").matches(req("OPTIONS", "https://api.example.test/v1/items")))
                    .isTrue();
        }

        @Test
        void schemeMustBeTheOneInTheUrl() {
            assertThat(get("https://api.example.test/").matches(req("GET", "http://api.example.test/"))).isFalse();
        }

        @Test
        void starSchemeMatchesHttpAndHttps() {
            RequestMatcher matcher = get("*://api.example.test/");
            assertThat(matcher.matches(req("GET", "http://api.example.test/"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://api.example.test/"))).isTrue();
        }

        @Test
        void urlWithoutPortMatchesAnyPort() {
            assertThat(get("https://api.example.test/v1").matches(req("GET", "https://api.example.test:8443/v1")))
                    .isTrue();
        }

        @Test
        void urlWithPortMatchesOnlyThatPort() {
            RequestMatcher matcher = get("http://localhost:8080/v1");
            assertThat(matcher.matches(req("GET", "http://localhost:8080/v1"))).isTrue();
            assertThat(matcher.matches(req("GET", "http://localhost:8081/v1"))).isFalse();
        }

        @Test
        void withPortNarrowsAHostMatcher() {
            RequestMatcher matcher = anyRequestTo("api.example.test").withPort(443);
            assertThat(matcher.matches(req("GET", "https://api.example.test/"))).isTrue();
            assertThat(matcher.matches(req("GET", "http://api.example.test/"))).isFalse();
        }

        @Test
        void hostIgnoresCaseAndATrailingDot() {
            RequestFacts request = RequestFacts.head("GET", "https", "API.Example.Test.", 443, "/", "", List.of());
            assertThat(get("https://api.example.test/").matches(request)).isTrue();
        }

        @Test
        void ipv6HostsAreWrittenInBrackets() {
            RequestMatcher matcher = get("http://[::1]:8080/x");
            assertThat(matcher.matches(RequestFacts.head("GET", "http", "::1", 8080, "/x", "", List.of()))).isTrue();
            assertThat(matcher.describe()).isEqualTo("GET http://[::1]:8080/x");
        }

        @Test
        void urlWithoutPathMeansTheRootPath() {
            RequestMatcher matcher = get("https://api.example.test");
            assertThat(matcher.matches(req("GET", "https://api.example.test/"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://api.example.test/v1"))).isFalse();
        }

        @Test
        void anyRequestToMatchesEverythingOnThatHostOnly() {
            RequestMatcher matcher = anyRequestTo("api.example.test");
            assertThat(matcher.matches(req("DELETE", "http://api.example.test:9000/a/b?c=d"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://other.example.test/"))).isFalse();
        }

        @Test
        void pathOnlyUrlMatchesThatPathOnAnyHostSchemeAndPort() {
            RequestMatcher matcher = get("/v1/items?page=2");
            assertThat(matcher.matches(req("GET", "http://localhost:8080/v1/items?page=2&size=9"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://api.example.test/v1/items?page=2"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://api.example.test/v1/items"))).isFalse();
            assertThat(matcher.describe()).isEqualTo("GET /v1/items with query param page = \"2\"");
        }

        @Test
        void anyRequestMatchesEverything() {
            assertThat(anyRequest().matches(req("GET", "https://whatever.test/x"))).isTrue();
        }

        @Test
        void urlsWithOtherSchemesAreRejectedWithAReason() {
            assertThatIllegalArgumentException().isThrownBy(() -> get("ftp://files.example.test/"))
                    .withMessageContaining("ftp").withMessageContaining("http and https");
        }

        @Test
        void urlsWithANonNumericPortAreRejected() {
            assertThatIllegalArgumentException().isThrownBy(() -> get("http://host:eighty/"))
                    .withMessageContaining("\"eighty\"");
        }
    }

    @Nested
    class WildcardHosts {

        @ParameterizedTest
        @CsvSource({
            "api.example.test, true",
            "a.b.example.test, true",
            "example.test, false",
            "badexample.test, false",
            "api.example.test.evil, false",
        })
        void starDotSuffixMatchesNamesBelowTheSuffixOnly(String host, boolean matches) {
            assertThat(get("https://*.example.test/").matches(req("GET", "https://" + host + "/"))).isEqualTo(matches);
        }

        @Test
        void withHostStarMatchesAnyHost() {
            assertThat(anyRequest().withHost("*").matches(req("GET", "https://anything.test/"))).isTrue();
        }

        @Test
        void starHostMatchesAnyHost() {
            assertThat(get("https://*/health").matches(req("GET", "https://anything.test/health"))).isTrue();
        }
    }

    @Nested
    class Paths {

        @ParameterizedTest
        @CsvSource({
            "/v1/*, /v1/items, true",
            "/v1/*, /v1/items/3, false",
            "/v1/*, /v1/, true",
            "/v1/**, /v1/items/3, true",
            "/v1/**, /v1, true",
            "/v1/**, /v10/items, false",
            "/v1/*/details, /v1/3/details, true",
            "/v1/*/details, /v1/3/4/details, false",
            "/a/**/z, /a/z, true",
            "/a/**/z, /a/b/c/z, true",
            "/files/*.json, /files/a.json, true",
            "/files/*.json, /files/a.jsonx, false",
            "/v1.0/*, /v1x0/a, false",
        })
        void globs(String glob, String path, boolean matches) {
            assertThat(any("https://api.example.test" + glob).matches(req("GET", "https://api.example.test" + path)))
                    .isEqualTo(matches);
        }

        @Test
        void exactPathDoesNotMatchAPrefixOrExtension() {
            RequestMatcher matcher = get("https://api.example.test/v1/items");
            assertThat(matcher.matches(req("GET", "https://api.example.test/v1/items/3"))).isFalse();
            assertThat(matcher.matches(req("GET", "https://api.example.test/v1/item"))).isFalse();
        }

        @Test
        void regexMustMatchTheWholePath() {
            RequestMatcher matcher = anyRequest().withPathMatching("/v1/items/\\d+");
            assertThat(matcher.matches(req("GET", "https://api.example.test/v1/items/42"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://api.example.test/v1/items/42/x"))).isFalse();
        }

        @Test
        void percentEncodedPathMatchesItsDecodedForm() {
            assertThat(anyRequest().withPath("/files/a b").matches(req("GET", "https://x.test/files/a%20b"))).isTrue();
            assertThat(anyRequest().withPath("/files/a%20b").matches(req("GET", "https://x.test/files/a%20b"))).isTrue();
        }
    }

    @Nested
    class QueryParams {

        @Test
        void paramInTheUrlMustBePresentWithThatValue() {
            RequestMatcher matcher = get("https://api.example.test/v1/items?page=2");
            assertThat(matcher.matches(req("GET", "https://api.example.test/v1/items?sort=asc&page=2"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://api.example.test/v1/items?page=3"))).isFalse();
            assertThat(matcher.matches(req("GET", "https://api.example.test/v1/items"))).isFalse();
        }

        @Test
        void presenceIgnoresTheValue() {
            RequestMatcher matcher = anyRequest().withQueryParam("debug");
            assertThat(matcher.matches(req("GET", "https://x.test/?debug"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://x.test/?debug=1"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://x.test/?verbose=1"))).isFalse();
        }

        @Test
        void valuesAreComparedPercentDecoded() {
            RequestMatcher matcher = anyRequest().withQueryParam("q", "a b&c");
            assertThat(matcher.matches(req("GET", "https://x.test/search?q=a+b%26c"))).isTrue();
        }

        @Test
        void anyOfRepeatedValuesMayMatch() {
            assertThat(anyRequest().withQueryParam("tag", "b").matches(req("GET", "https://x.test/?tag=a&tag=b")))
                    .isTrue();
        }

        @Test
        void regexValue() {
            RequestMatcher matcher = anyRequest().withQueryParamMatching("id", "\\d+");
            assertThat(matcher.matches(req("GET", "https://x.test/?id=12"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://x.test/?id=12a"))).isFalse();
        }

        @Test
        void malformedEscapesDoNotThrow() {
            assertThat(anyRequest().withQueryParam("q", "%zz").matches(req("GET", "https://x.test/?q=%25zz"))).isTrue();
            RequestFacts odd = RequestFacts.head("GET", "https", "x.test", 443, "/", "q=%zz", List.of());
            assertThat(anyRequest().withQueryParam("q", "%zz").matches(odd)).isTrue();
        }
    }

    @Nested
    class Headers {

        private final RequestFacts request = req("GET", "https://api.example.test/")
                .withHeader("Accept", "application/json")
                .withHeader("X-Tag", "one")
                .withHeader("x-tag", "two");

        @Test
        void equalsIgnoresTheCaseOfTheName() {
            assertThat(anyRequest().withHeader("accept", "application/json").matches(request)).isTrue();
        }

        @Test
        void equalsRespectsTheCaseOfTheValue() {
            assertThat(anyRequest().withHeader("Accept", "Application/JSON").matches(request)).isFalse();
        }

        @Test
        void presence() {
            assertThat(anyRequest().withHeader("ACCEPT").matches(request)).isTrue();
            assertThat(anyRequest().withHeader("Authorization").matches(request)).isFalse();
        }

        @Test
        void anyOfRepeatedHeadersMayMatch() {
            assertThat(anyRequest().withHeader("X-Tag", "two").matches(request)).isTrue();
        }

        @Test
        void containing() {
            assertThat(anyRequest().withHeaderContaining("Accept", "json").matches(request)).isTrue();
            assertThat(anyRequest().withHeaderContaining("Accept", "xml").matches(request)).isFalse();
        }

        @Test
        void regexMatchesTheWholeValue() {
            assertThat(anyRequest().withHeaderMatching("Accept", "application/.*").matches(request)).isTrue();
            assertThat(anyRequest().withHeaderMatching("Accept", "json").matches(request)).isFalse();
        }
    }

    @Nested
    class BodyText {

        private final RequestFacts request = req("POST", "https://api.example.test/v1/notes")
                .withHeader("Content-Type", "text/plain; charset=utf-8")
                .withBody("hello wörld");

        @Test
        void equals() {
            assertThat(anyRequest().withBody("hello wörld").matches(request)).isTrue();
            assertThat(anyRequest().withBody("hello").matches(request)).isFalse();
        }

        @Test
        void containing() {
            assertThat(anyRequest().withBodyContaining("wörld").matches(request)).isTrue();
            assertThat(anyRequest().withBodyContaining("moon").matches(request)).isFalse();
        }

        @Test
        void regexMatchesTheWholeBody() {
            assertThat(anyRequest().withBodyMatching("hello w.+").matches(request)).isTrue();
            assertThat(anyRequest().withBodyMatching("hello").matches(request)).isFalse();
        }

        @Test
        void emptyBodyMatchesNoContainingCriterion() {
            assertThat(anyRequest().withBodyContaining("x").matches(request.withBody(new byte[0]))).isFalse();
        }

        @Test
        void bodyIsReadInTheCharsetOfItsContentType() {
            RequestFacts latin1 = req("POST", "https://x.test/")
                    .withHeader("Content-Type", "text/plain; charset=ISO-8859-1")
                    .withBody("grüße".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(anyRequest().withBody("grüße").matches(latin1)).isTrue();
        }

        @Test
        void gzippedBodyIsDecodedBeforeMatching() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
                gzip.write("compressed text".getBytes(StandardCharsets.UTF_8));
            }
            RequestFacts gzipped = req("POST", "https://x.test/").withHeader("Content-Encoding", "gzip")
                    .withBody(bytes.toByteArray());
            assertThat(anyRequest().withBodyContaining("compressed").matches(gzipped)).isTrue();
        }

        @Test
        void onlyBodyCriteriaNeedTheBody() {
            assertThat(post("https://x.test/").withHeader("A", "b").needsBody()).isFalse();
            assertThat(post("https://x.test/").withBodyContaining("x").needsBody()).isTrue();
            assertThat(post("https://x.test/").withJsonPointer("/a", 1).needsBody()).isTrue();
        }
    }

    @Nested
    class Composition {

        @Test
        void withReturnsANewMatcherAndLeavesTheBaseAlone() {
            RequestMatcher base = get("https://api.example.test/v1/items");
            RequestMatcher narrowed = base.withHeader("Accept", "application/json");
            RequestFacts withoutHeader = req("GET", "https://api.example.test/v1/items");

            assertThat(base.matches(withoutHeader)).isTrue();
            assertThat(narrowed.matches(withoutHeader)).isFalse();
        }

        @Test
        void andNeedsBothSides() {
            RequestMatcher matcher = anyRequestTo("api.example.test").and(anyRequest().withHeader("X-Env", "ci"));
            assertThat(matcher.matches(req("GET", "https://api.example.test/").withHeader("X-Env", "ci"))).isTrue();
            assertThat(matcher.matches(req("GET", "https://api.example.test/"))).isFalse();
            assertThat(matcher.matches(req("GET", "https://other.test/").withHeader("X-Env", "ci"))).isFalse();
        }
    }

    @Nested
    class Describe {

        @Test
        void methodAndUrl() {
            assertThat(post("https://api.example.test/v1/login").describe())
                    .isEqualTo("POST https://api.example.test/v1/login");
        }

        @Test
        void extraCriteriaFollowWith() {
            assertThat(get("https://api.example.test/v1/items?page=2").withHeader("Accept", "application/json")
                    .withBodyContaining("x").describe())
                    .isEqualTo("GET https://api.example.test/v1/items with query param page = \"2\", "
                            + "header Accept = \"application/json\", body containing \"x\"");
        }

        @Test
        void anyRequestToAHost() {
            assertThat(anyRequestTo("*.example.test").describe()).isEqualTo("any request to *.example.test");
        }

        @Test
        void anyMethodWithGlob() {
            assertThat(any("http://localhost:8080/v1/**").describe()).isEqualTo("any request to http://localhost:8080/v1/**");
        }

        @Test
        void regexPathIsSpelledOut() {
            assertThat(anyRequestTo("x.test").withPathMatching("/a/\\d+").describe())
                    .isEqualTo("any request to x.test with path matching //a/\\d+/");
        }

        @Test
        void longValuesAreAbbreviatedToOneLine() {
            String described = anyRequest().withBody("line\n".repeat(100)).describe();
            assertThat(described).doesNotContain("\n").hasSizeLessThan(130);
        }
    }
}
