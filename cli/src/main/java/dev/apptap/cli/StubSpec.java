package dev.apptap.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apptap.proxy.rules.Action;
import dev.apptap.proxy.rules.Actions;
import dev.apptap.proxy.rules.RequestMatcher;
import dev.apptap.proxy.rules.Respond;
import dev.apptap.proxy.rules.ResponseTemplate;
import dev.apptap.proxy.rules.RuleSet;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One {@code --stub 'METHOD URL STATUS[,STATUS…] [BODY|@file]'}: {@code GET https://api.example.test/v1/items 200 [1,2]}.
 * A body that parses as JSON is sent as {@code application/json}, other text as {@code text/plain}; {@code @file}
 * streams the file. {@code *} as the method matches any method. Several statuses ({@code 503,503,200 ok}) answer one
 * request each, then the last again; the body goes with the last status, the ones before answer empty (fail, fail,
 * then succeed: what a retry test needs). A body with placeholders ({@code {"id":"{{path.2}}"}}) is a
 * {@link ResponseTemplate} filled from each request.
 *
 * @param matcher which requests it answers
 * @param action  the answer: a response, a sequence, or a template
 * @param host    the URL's host, so DNS can answer it locally
 */
record StubSpec(RequestMatcher matcher, Action action, String host) {

    private static final ObjectMapper JSON = new ObjectMapper();

    void addTo(RuleSet rules) {
        rules.on(matcher).then(action);
    }

    static StubSpec parse(String spec) {
        String[] parts = spec.strip().split("\\s+", 4);
        if (parts.length < 3) {
            throw new IllegalArgumentException("--stub '" + spec + "' needs at least a method, a URL and a status,"
                    + " such as 'GET https://api.example.test/v1/items 200 [1,2]'");
        }
        String method = parts[0].toUpperCase(Locale.ROOT);
        String url = parts[1];
        List<Integer> statuses = new ArrayList<>();
        for (String status : parts[2].split(",", -1)) {
            statuses.add(status(status, spec));
        }
        RequestMatcher matcher = method.equals("*") ? RequestMatcher.any(url) : RequestMatcher.request(method, url);
        String body = parts.length == 4 ? parts[3] : null;
        return new StubSpec(matcher, action(statuses, body, spec), Urls.host(url));
    }

    private static Action action(List<Integer> statuses, String body, String spec) {
        int last = statuses.size() - 1;
        if (body != null && !body.startsWith("@") && ResponseTemplate.hasPlaceholders(body)) {
            List<ResponseTemplate> templates = new ArrayList<>();
            for (int i = 0; i <= last; i++) {
                try {
                    templates.add(ResponseTemplate.parse(statuses.get(i), i == last ? body : ""));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--stub '" + spec + "': " + e.getMessage(), e);
                }
            }
            return templates.size() == 1 ? templates.get(0).answer() : ResponseTemplate.inSequence(templates);
        }
        List<Respond> responses = new ArrayList<>();
        for (int i = 0; i <= last; i++) {
            Respond response = Actions.respond(statuses.get(i));
            responses.add(body == null || i < last ? response : withBody(response, body, spec));
        }
        if (responses.size() == 1) {
            return responses.get(0);
        }
        return Actions.respondInSequence(responses.get(0), responses.subList(1, responses.size()).toArray(Respond[]::new));
    }

    private static int status(String text, String spec) {
        try {
            int status = Integer.parseInt(text);
            if (status >= 100 && status <= 999) {
                return status;
            }
        } catch (NumberFormatException e) {
            // reported below with the whole spec
        }
        throw new IllegalArgumentException("--stub '" + spec + "' has the status '" + text
                + "', which is not a three-digit HTTP status (several, such as 503,200, answer in turn)");
    }

    private static Respond withBody(Respond response, String body, String spec) {
        if (body.startsWith("@")) {
            Path file;
            try {
                file = Path.of(body.substring(1));
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("--stub '" + spec + "' names the body file '" + body.substring(1)
                        + "', which is not a valid path (" + e.getReason() + ")", e);
            }
            return response.withBodyFromFile(file);
        }
        if (looksLikeJson(body)) {
            return response.withJsonBody(body);
        }
        return response.withBody(body);
    }

    private static boolean looksLikeJson(String body) {
        char first = body.charAt(0);
        if (first != '{' && first != '[' && first != '"') {
            return false;
        }
        try {
            JSON.readTree(body);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Turns a bad spec into a usage error (exit code 2) rather than a crash. */
    static final class Converter implements ITypeConverter<StubSpec> {
        @Override
        public StubSpec convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(Sentences.clause(e.getMessage()));
            }
        }
    }
}
