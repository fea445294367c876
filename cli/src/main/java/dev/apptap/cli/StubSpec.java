package dev.apptap.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apptap.proxy.rules.Actions;
import dev.apptap.proxy.rules.RequestMatcher;
import dev.apptap.proxy.rules.Respond;
import dev.apptap.proxy.rules.RuleSet;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One {@code --stub 'METHOD URL STATUS [BODY|@file]'}: {@code GET https://api.example.test/v1/items 200 [1,2]}. A body
 * that parses as JSON is sent as {@code application/json}, other text as {@code text/plain}; {@code @file} streams
 * the file. {@code *} as the method matches any method.
 *
 * @param matcher  which requests it answers
 * @param response the answer
 * @param host     the URL's host, so DNS can answer it locally
 */
record StubSpec(RequestMatcher matcher, Respond response, String host) {

    private static final ObjectMapper JSON = new ObjectMapper();

    void addTo(RuleSet rules) {
        rules.on(matcher).respond(response);
    }

    static StubSpec parse(String spec) {
        String[] parts = spec.strip().split("\\s+", 4);
        if (parts.length < 3) {
            throw new IllegalArgumentException("--stub '" + spec + "' needs at least a method, a URL and a status,"
                    + " such as 'GET https://api.example.test/v1/items 200 [1,2]'");
        }
        String method = parts[0].toUpperCase(Locale.ROOT);
        String url = parts[1];
        int status = status(parts[2], spec);
        RequestMatcher matcher = method.equals("*") ? RequestMatcher.any(url) : RequestMatcher.request(method, url);
        Respond response = Actions.respond(status);
        if (parts.length == 4) {
            response = withBody(response, parts[3], spec);
        }
        return new StubSpec(matcher, response, Urls.host(url));
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
                + "', which is not a three-digit HTTP status");
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
