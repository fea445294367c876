package dev.apptap.redirector.macos.ne;

import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.SessionOptions;

/**
 * A JVM for {@link WatchdogTest} to {@code kill -9}: it starts a macos-ne session with the launcher in {@code args[0]},
 * intercepts curl, says "ready" and waits to be killed.
 */
public final class SessionHoldingMain {

    private SessionHoldingMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty(RedirectorApp.PROPERTY, args[0]);
        InterceptionSession session = InterceptionSession.start(SessionOptions.builder()
                .redirector(new NetworkExtensionProvider()).build());
        session.redirector().intercept(InterceptSpec.parse("curl"));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
