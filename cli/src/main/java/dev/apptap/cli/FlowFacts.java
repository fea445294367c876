package dev.apptap.cli;

import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Flow;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.TcpFlow;
import java.time.Duration;
import java.util.Optional;

/** The numbers every kind of flow has, seen from the app: bytes it received ("in") and sent ("out"). */
final class FlowFacts {

    private FlowFacts() {
    }

    static long bytesIn(Flow flow) {
        if (flow instanceof HttpFlow http) {
            return http.response().map(r -> r.body().size()).orElse(0L);
        }
        return flow instanceof TcpFlow tcp ? tcp.fromServer().size() : 0;
    }

    static long bytesOut(Flow flow) {
        if (flow instanceof HttpFlow http) {
            return http.request().body().size();
        }
        return flow instanceof TcpFlow tcp ? tcp.fromClient().size() : 0;
    }

    static Optional<Duration> duration(Flow flow) {
        if (flow instanceof HttpFlow http) {
            return http.timings().total();
        }
        if (flow instanceof TcpFlow tcp) {
            return tcp.duration();
        }
        return flow instanceof DnsFlow dns ? dns.duration() : Optional.empty();
    }

    static String kind(Flow flow) {
        return flow instanceof HttpFlow ? "http" : flow instanceof TcpFlow ? "tcp" : "dns";
    }
}
