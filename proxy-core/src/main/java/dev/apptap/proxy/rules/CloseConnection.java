package dev.apptap.proxy.rules;

/**
 * Close the app's connection instead of answering, to test how an app copes with a dropped connection. Over h2 the
 * engine resets only the request's stream, since the connection carries other requests.
 */
public record CloseConnection() implements Action {

    @Override
    public String describe() {
        return "close the connection";
    }
}
