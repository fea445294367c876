package dev.apptap.proxy.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * A response whose body echoes parts of the request, for front ends without Java functions (the CLI's
 * {@code --stub}). Placeholders in the body are replaced for each request:
 *
 * <table>
 * <caption>Placeholders</caption>
 * <tr><td>{@code {{method}}}, {@code {{url}}}, {@code {{path}}}</td><td>the request's method, URL and path</td></tr>
 * <tr><td>{@code {{path.2}}}</td><td>the second path segment, counting from 1: {@code 42} in {@code /users/42}</td></tr>
 * <tr><td>{@code {{query.page}}}</td><td>the query parameter {@code page}</td></tr>
 * <tr><td>{@code {{header.Accept}}}</td><td>the request header {@code Accept}</td></tr>
 * <tr><td>{@code {{json.user.name}}}</td><td>the field {@code user.name} of a JSON body ({@code json.items.0.id}
 * for an array element)</td></tr>
 * <tr><td>{@code {{body}}}</td><td>the whole body as text</td></tr>
 * </table>
 *
 * <p>What the request lacks becomes empty text. In a JSON template (one that starts with <code>&#123;</code> or <code>[</code>)
 * values are escaped for a JSON string, so {@code {"name":"{{json.name}}"}} stays JSON whatever the name holds.
 *
 * <pre>{@code
 * ResponseTemplate echo = ResponseTemplate.parse(200, "{\"id\":\"{{path.2}}\",\"page\":\"{{query.page}}\"}");
 * rules.on(get("https://api.example.test/users/*")).respond(echo.answer());
 * // GET https://api.example.test/users/42?page=3  ->  200 {"id":"42","page":"3"}
 * }</pre>
 */
public final class ResponseTemplate implements Function<RequestFacts, Respond> {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}]+?)\\s*}}");

    private final int status;
    private final String template;
    private final boolean json;
    private final List<Object> parts;

    private ResponseTemplate(int status, String template, boolean json, List<Object> parts) {
        this.status = status;
        this.template = template;
        this.json = json;
        this.parts = parts;
    }

    /**
     * A template answering with {@code status} and this body.
     *
     * @throws IllegalArgumentException naming the placeholder when one is not among those above
     */
    public static ResponseTemplate parse(int status, String body) {
        Objects.requireNonNull(body, "body");
        Actions.respond(status); // checks the status
        List<Object> parts = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(body);
        int last = 0;
        while (m.find()) {
            parts.add(body.substring(last, m.start()));
            parts.add(placeholder(m.group(1), body));
            last = m.end();
        }
        parts.add(body.substring(last));
        String start = body.stripLeading();
        boolean json = start.startsWith("{") || start.startsWith("[");
        return new ResponseTemplate(status, body, json, List.copyOf(parts));
    }

    /** Whether the text holds a placeholder, so that a front end can tell a template from a fixed body. */
    public static boolean hasPlaceholders(String body) {
        return PLACEHOLDER.matcher(body).find();
    }

    /** The answer for a rule. */
    public Answer answer() {
        return Answer.computed(this);
    }

    /**
     * These templates in sequence, one per request, then the last again (the CLI's {@code 503,200}).
     */
    public static Answer inSequence(List<ResponseTemplate> templates) {
        return Answer.inSequence(templates);
    }

    /** The response for this request. */
    @Override
    public Respond apply(RequestFacts request) {
        StringBuilder body = new StringBuilder();
        for (Object part : parts) {
            if (part instanceof String text) {
                body.append(text);
            } else {
                @SuppressWarnings("unchecked")
                String value = ((Function<RequestFacts, String>) part).apply(request);
                if (json) {
                    body.append(JsonStringEncoder.getInstance().quoteAsString(value));
                } else {
                    body.append(value);
                }
            }
        }
        Respond response = Actions.respond(status);
        if (body.isEmpty()) {
            return response;
        }
        return response.withHeader("Content-Type", json ? "application/json" : "text/plain; charset=utf-8")
                .withBody(body.toString());
    }

    @Override
    public String toString() {
        return "respond " + status + (template.isEmpty() ? "" : " from template " + Texts.abbreviate(template));
    }

    private static Function<RequestFacts, String> placeholder(String name, String body) {
        String lower = name.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "method":
                return RequestFacts::method;
            case "url":
                return RequestFacts::url;
            case "path":
                return RequestFacts::path;
            case "body":
                return RequestFacts::bodyText;
            default:
                break;
        }
        int dot = name.indexOf('.');
        String kind = dot < 0 ? lower : lower.substring(0, dot);
        String arg = dot < 0 ? "" : name.substring(dot + 1);
        if (!arg.isEmpty()) {
            switch (kind) {
                case "path":
                    int index = segmentIndex(arg, name, body);
                    return request -> {
                        List<String> segments = request.pathSegments();
                        return index <= segments.size() ? segments.get(index - 1) : "";
                    };
                case "query":
                    return request -> request.queryParam(arg).orElse("");
                case "header":
                    return request -> request.header(arg).orElse("");
                case "json":
                    String pointer = "/" + String.join("/", arg.split("\\."));
                    return request -> request.jsonAt(pointer).orElse("");
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("the template " + Texts.abbreviate(body) + " has the placeholder {{" + name
                + "}}, which apptap does not know; use {{method}}, {{url}}, {{path}}, {{path.N}}, {{query.NAME}},"
                + " {{header.NAME}}, {{json.FIELD.FIELD}} or {{body}}");
    }

    private static int segmentIndex(String arg, String name, String body) {
        try {
            int index = Integer.parseInt(arg);
            if (index >= 1) {
                return index;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("the template " + Texts.abbreviate(body) + " has the placeholder {{" + name
                + "}}; path segments count from 1, as in {{path.1}}");
    }
}
