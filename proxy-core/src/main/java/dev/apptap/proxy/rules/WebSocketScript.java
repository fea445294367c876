package dev.apptap.proxy.rules;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The server's side of a WebSocket conversation, played by apptap after it answers the app's upgrade with 101 itself:
 * the messages the app sends and the server's replies, in the order they passed. A {@link Replay} makes one from each
 * WebSocket a HAR recorded ({@code _webSocketMessages}); a stub may make its own. Immutable.
 *
 * <pre>{@code
 * WebSocketScript chat = WebSocketScript.empty()
 *         .receive("welcome")              // sent as soon as the app's upgrade is answered
 *         .send()                          // waits for the app's next message, whatever it says
 *         .receive(new byte[]{3, 2, 1})    // then answers with a binary message
 *         .closedByServer(1000, "bye");    // and closes the WebSocket
 * stubs.on(get("http://chat.example.test/ws")).respond(respond(101).withWebSocket(chat));
 * }</pre>
 *
 * <p>Messages are matched by order, not content: the app's n-th message lets the script go on to the server's
 * messages that followed it in the recording. When the script ends, apptap closes the WebSocket if the server did in
 * the recording; otherwise it waits for the app to close, and answers the app's close with the same code.
 */
public final class WebSocketScript {

    /** One message of the conversation. */
    public record Step(boolean fromApp, boolean text, byte[] payload) {

        public Step {
            Objects.requireNonNull(payload, "payload");
        }
    }

    private final List<Step> steps;
    private final int serverCloseCode;
    private final String serverCloseReason;

    private WebSocketScript(List<Step> steps, int serverCloseCode, String serverCloseReason) {
        this.steps = List.copyOf(steps);
        this.serverCloseCode = serverCloseCode;
        this.serverCloseReason = serverCloseReason;
    }

    /** A conversation with no message yet, which waits for the app to close. */
    public static WebSocketScript empty() {
        return new WebSocketScript(List.of(), -1, "");
    }

    /** Then the app sends a message (any message: they are matched by order). */
    public WebSocketScript send() {
        return plus(new Step(true, false, new byte[0]));
    }

    /** Then the app sends this text message; its content is kept for the record, and not checked. */
    public WebSocketScript send(String text) {
        return plus(new Step(true, true, text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Then apptap sends the app this text message. */
    public WebSocketScript receive(String text) {
        return plus(new Step(false, true, text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Then apptap sends the app this binary message (copied). */
    public WebSocketScript receive(byte[] bytes) {
        return plus(new Step(false, false, bytes.clone()));
    }

    /**
     * At the end apptap closes the WebSocket with this status code (1000 normal, 1001 going away …) and reason.
     *
     * @throws IllegalArgumentException if {@code code} is not a close code a server may send (1000 to 4999)
     */
    public WebSocketScript closedByServer(int code, String reason) {
        if (code < 1000 || code > 4999 || code == 1005 || code == 1006 || code == 1015) {
            throw new IllegalArgumentException("A WebSocket close code must be between 1000 and 4999, and not 1005,"
                    + " 1006 or 1015 (which are never sent), but was " + code + ".");
        }
        return new WebSocketScript(steps, code, Objects.requireNonNull(reason, "reason"));
    }

    /** The messages in order. */
    public List<Step> steps() {
        return steps;
    }

    /** The close code apptap sends after the last message, or -1 when it waits for the app to close. */
    public int serverCloseCode() {
        return serverCloseCode;
    }

    /** The reason sent with {@link #serverCloseCode()}. */
    public String serverCloseReason() {
        return serverCloseReason;
    }

    @Override
    public String toString() {
        long fromApp = steps.stream().filter(Step::fromApp).count();
        return "WebSocket script (" + fromApp + " messages from the app, " + (steps.size() - fromApp)
                + " to it" + (serverCloseCode > 0 ? ", then close " + serverCloseCode : "") + ")";
    }

    private WebSocketScript plus(Step step) {
        List<Step> more = new ArrayList<>(steps);
        more.add(step);
        return new WebSocketScript(more, serverCloseCode, serverCloseReason);
    }
}
