package dev.apptap.bench;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * Opens one HTTPS connection per request, each with its own SNI host name, and times each connection (TCP
 * connect, TLS handshake, one GET of /1k, the close). Run as
 *
 * <pre>
 * java -cp bench-harness.jar dev.apptap.bench.NewHostClient --target 127.0.0.1:18443 [--proxy 127.0.0.1:PORT]
 *      [--count 300] [--first 1000]
 * </pre>
 *
 * <p>With {@code --proxy}, each connection is tunnelled through the explicit proxy with CONNECT (LAUNCH mode);
 * without it, the client connects to the target, and a redirector or nft rule may send it elsewhere (OSPROXY,
 * mitmproxy). It times {@code count} connections to new names {@code h<first+i>.bench.test}, then {@code count}
 * new connections to one name, and prints {@code NEWHOST ...} and {@code SAMEHOST ...} lines with the median,
 * p90 and mean in milliseconds. The difference of the medians is what a new host costs (certificate minting
 * when an interceptor is in the way). The client trusts every certificate: it measures, it does not verify. No
 * connection resumes a TLS session, so both medians are of full handshakes.
 */
public final class NewHostClient {

    private NewHostClient() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress target = null;
        InetSocketAddress proxy = null;
        int count = 300;
        long first = System.currentTimeMillis() % 1_000_000 * 1000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--target" -> target = parse(args[++i]);
                case "--proxy" -> proxy = parse(args[++i]);
                case "--count" -> count = Integer.parseInt(args[++i]);
                case "--first" -> first = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("NewHostClient does not know the option " + args[i]);
            }
        }
        if (target == null) {
            throw new IllegalArgumentException("--target HOST:PORT is required");
        }
        // Warm the JIT and the TLS stack on both paths measured (new names and one name), then measure: a long-running
        // interceptor has compiled its minting code, and a first-minute JIT is not what a new name costs.
        for (int i = 0; i < 300; i++) {
            once(target, proxy, "w" + (first + i) + ".bench.test");
            once(target, proxy, "warm.bench.test");
        }
        double[] newHost = new double[count];
        for (int i = 0; i < count; i++) {
            newHost[i] = once(target, proxy, "h" + (first + i) + ".bench.test");
        }
        double[] sameHost = new double[count];
        for (int i = 0; i < count; i++) {
            sameHost[i] = once(target, proxy, "same.bench.test");
        }
        System.out.println("NEWHOST " + summary(newHost));
        System.out.println("SAMEHOST " + summary(sameHost));
    }

    private static String summary(double[] ms) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(sorted).average().orElse(0);
        return String.format("count=%d median_ms=%.3f p90_ms=%.3f mean_ms=%.3f", sorted.length,
                sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.9)], mean);
    }

    /** One connection, one request; returns its wall time in milliseconds. */
    private static double once(InetSocketAddress target, InetSocketAddress proxy, String host)
            throws IOException, GeneralSecurityException {
        // A fresh client context each time, made before the clock starts, so that no connection resumes an earlier
        // TLS session: every connection, to a new name or not, is a full handshake, and the difference is the name.
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[]{new TrustAll()}, null);
        long start = System.nanoTime();
        Socket raw = new Socket();
        raw.setTcpNoDelay(true);
        raw.connect(proxy != null ? proxy : target, 5000);
        raw.setSoTimeout(10_000);
        if (proxy != null) {
            OutputStream out = raw.getOutputStream();
            out.write(("CONNECT " + host + ":" + target.getPort() + " HTTP/1.1\r\nHost: " + host + ":" + target.getPort()
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(raw.getInputStream());
            if (!head.startsWith("HTTP/1.1 200") && !head.startsWith("HTTP/1.0 200")) {
                raw.close();
                throw new IOException("CONNECT " + host + " answered " + head.lines().findFirst().orElse(""));
            }
        }
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(raw, host, target.getPort(), true)) {
            SSLParameters params = socket.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(host)));
            params.setApplicationProtocols(new String[]{"http/1.1"});
            socket.setSSLParameters(params);
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            out.write(("GET /1k HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int total = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                total += n;
            }
            if (total < 1024) {
                throw new IOException("The response for " + host + " had only " + total + " bytes");
            }
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        return head.toString();
    }

    private static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon).replace("[", "").replace("]", ""),
                Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
