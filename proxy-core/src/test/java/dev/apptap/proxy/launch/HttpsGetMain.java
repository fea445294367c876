package dev.apptap.proxy.launch;

import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/** A Java client launched in its own JVM: it trusts and proxies only through what JAVA_TOOL_OPTIONS tells it. */
public final class HttpsGetMain {

    private HttpsGetMain() {
    }

    public static void main(String[] args) throws Exception {
        try (InputStream in = new URL(args[0]).openStream()) {
            System.out.println(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
