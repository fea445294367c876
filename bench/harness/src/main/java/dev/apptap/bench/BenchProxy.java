package dev.apptap.bench;

import dev.apptap.flow.FlowStore;
import dev.apptap.flow.FlowWindow;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.RedirectorChoice;
import dev.apptap.proxy.session.SessionOptions;

import io.netty.util.internal.PlatformDependent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine as bench/run.sh drives it.
 *
 * <pre>
 * java -jar bench-harness.jar --mode launch|osproxy [--intercept wrk,h2load] [--trust nginx-ca.pem]
 *                             [--body-limit BYTES] [--insecure] [--passthrough HOST]... [--threads N]
 *                             [--max-flows N] [--max-body-bytes N (0: unbounded)]
 * </pre>
 *
 * <p>Prints {@code READY explicit=HOST:PORT transparent=HOST:PORT,...} once it listens (and, in osproxy mode,
 * once the redirector intercepts), then reads commands, one a line, from stdin, and exits at EOF:
 * <ul>
 *   <li>{@code stats} prints {@code STATS flows=N heapUsed=B heapAfterGc=B peakHeap=B peakDirect=B rssPeak=B}
 *       ({@code heapAfterGc} runs {@link System#gc()} first);</li>
 *   <li>{@code reset} clears the flows, collects garbage and restarts the peak counters
 *       ({@code RESET heapAfterGc=B});</li>
 *   <li>{@code intercept SPEC} changes what the redirector intercepts ({@code OK}).</li>
 * </ul>
 * A sampler thread reads the used heap every 5 ms, so {@code peakHeap} is the highest used heap seen, garbage
 * included; {@code heapAfterGc} is what stays live.
 */
public final class BenchProxy {

    private BenchProxy() {
    }

    public static void main(String[] args) throws Exception {
        String mode = "launch";
        String intercept = "";
        Path trust = null;
        int bodyLimit = 1 << 20;
        boolean insecure = false;
        List<String> passthrough = new ArrayList<>();
        int threads = 0;
        // The window `apptap watch` keeps by default (10,000 flows or 64 MiB of bodies), so that the warm engine's
        // figures are a watch's; the runs before 2026-12-05 kept 100,000 flows with unbounded bodies
        // (--max-flows 100000 --max-body-bytes 0 measures that again).
        int maxFlows = FlowWindow.DEFAULT.maxFlows();
        long maxBodyBytes = FlowWindow.DEFAULT.maxBodyBytes();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mode" -> mode = args[++i];
                case "--intercept" -> intercept = args[++i];
                case "--trust" -> trust = Path.of(args[++i]);
                case "--body-limit" -> bodyLimit = Integer.parseInt(args[++i]);
                case "--insecure" -> insecure = true;
                case "--passthrough" -> passthrough.add(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--max-flows" -> maxFlows = Integer.parseInt(args[++i]);
                case "--max-body-bytes" -> {
                    long bytes = Long.parseLong(args[++i]);
                    maxBodyBytes = bytes == 0 ? Long.MAX_VALUE : bytes;
                }
                default -> throw new IllegalArgumentException("BenchProxy does not know the option " + args[i]);
            }
        }
        boolean osproxy = switch (mode) {
            case "launch" -> false;
            case "osproxy" -> true;
            default -> throw new IllegalArgumentException("--mode is launch or osproxy, not " + mode);
        };

        FlowStore flows = new FlowStore(new FlowWindow(maxFlows, maxBodyBytes));
        SessionOptions.Builder options = SessionOptions.builder()
                .flows(flows)
                .bodyLimit(bodyLimit)
                .upstreamInsecure(insecure)
                .passthrough(passthrough)
                .workerThreads(threads);
        if (trust != null) {
            options.upstreamTrust(trust);
        }
        if (osproxy) {
            RedirectorChoice choice = RedirectorChoice.firstUsable(RedirectorProvider.installed());
            options.redirector(choice.provider().orElseThrow(() -> new IllegalStateException(choice.reason())));
        }
        Sampler sampler = new Sampler();
        sampler.start();
        try (InterceptionSession session = InterceptionSession.start(options.build())) {
            Redirector redirector = osproxy ? session.redirector() : null;
            if (redirector != null) {
                redirector.intercept(InterceptSpec.parse(intercept));
            }
            List<String> transparent = new ArrayList<>();
            session.transparentAddresses().forEach(a -> transparent.add(hostPort(a)));
            System.out.println("READY explicit=" + hostPort(session.explicitProxy())
                    + " transparent=" + String.join(",", transparent)
                    + (redirector != null ? " redirector=\"" + redirector.describe() + "\"" : ""));
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                line = line.trim();
                if (line.equals("stats")) {
                    long used = heapUsed();
                    long afterGc = heapAfterGc();
                    System.out.println("STATS flows=" + flows.size() + " evicted=" + flows.evicted()
                            + " heapUsed=" + used + " heapAfterGc=" + afterGc + " peakHeap=" + sampler.peakHeap.get()
                            + " peakDirect=" + sampler.peakDirect.get() + " rssPeak=" + rssPeak());
                } else if (line.equals("reset")) {
                    flows.clear();
                    long afterGc = heapAfterGc();
                    sampler.reset();
                    System.out.println("RESET heapAfterGc=" + afterGc);
                } else if (line.startsWith("intercept") && redirector != null) {
                    redirector.intercept(InterceptSpec.parse(line.substring("intercept".length()).trim()));
                    System.out.println("OK");
                } else if (!line.isEmpty()) {
                    System.out.println("ERROR unknown command: " + line);
                }
                System.out.flush();
            }
        }
        System.exit(0);
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long heapAfterGc() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            best = Math.min(best, heapUsed());
        }
        return best;
    }

    /** VmHWM: the process's peak resident set, in bytes. */
    static long rssPeak() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Netty's own count of the direct memory it allocated; -1 when Netty does not track it. */
    static long nettyDirect() {
        try {
            return PlatformDependent.usedDirectMemory();
        } catch (Throwable t) {
            return -1;
        }
    }

    private static final class Sampler extends Thread {
        final AtomicLong peakHeap = new AtomicLong();
        final AtomicLong peakDirect = new AtomicLong();

        Sampler() {
            super("bench-heap-sampler");
            setDaemon(true);
        }

        void reset() {
            peakHeap.set(heapUsed());
            peakDirect.set(nettyDirect());
        }

        @Override
        public void run() {
            while (true) {
                peakHeap.accumulateAndGet(heapUsed(), Math::max);
                peakDirect.accumulateAndGet(nettyDirect(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
