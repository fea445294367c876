package dev.apptap.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Flow;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.TcpFlow;
import dev.apptap.proxy.har.HarWriter;
import java.util.Locale;

/**
 * One flow as one line of JSON for {@code --json}: {@code id, kind, process{pid,name,executable,commandLine},
 * method, url, status, requestBytes, responseBytes, durationMs, error{kind,message}, tls{sni,alpn,version},
 * handling}. Absent facts are {@code null}, so every line has the same keys.
 */
final class FlowJson {

    /** ASCII only, so the line survives a terminal or pipe in any locale. */
    private static final JsonMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private FlowJson() {
    }

    static String of(Flow flow) {
        try {
            return JSON.writeValueAsString(tree(flow));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("apptap could not write flow " + flow.id() + " as JSON", e);
        }
    }

    static ObjectNode tree(Flow flow) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", flow.id());
        node.put("kind", FlowFacts.kind(flow));
        node.set("process", HarWriter.process(flow.process()));
        node.putNull("method");
        node.putNull("url");
        node.putNull("status");
        if (flow instanceof HttpFlow http) {
            node.put("method", http.request().method());
            node.put("url", http.request().url());
            if (http.status() >= 0) {
                node.put("status", http.status());
            }
        } else if (flow instanceof TcpFlow tcp) {
            node.put("url", (tcp.tls().isPresent() ? "tls://" : "tcp://") + tcp.server().authority());
        } else if (flow instanceof DnsFlow dns) {
            node.put("method", dns.type());
            node.put("url", "dns:" + dns.name());
            ArrayNode answers = node.putArray("answers");
            dns.answers().forEach(answers::add);
        }
        node.put("requestBytes", FlowFacts.bytesOut(flow));
        node.put("responseBytes", FlowFacts.bytesIn(flow));
        FlowFacts.duration(flow).ifPresentOrElse(d -> node.put("durationMs", d.toMillis()), () -> node.putNull("durationMs"));
        flow.error().ifPresentOrElse(e -> {
            ObjectNode error = node.putObject("error");
            error.put("kind", e.kind().name());
            error.put("message", e.message());
        }, () -> node.putNull("error"));
        flow.tls().ifPresentOrElse(t -> {
            ObjectNode tls = node.putObject("tls");
            tls.put("sni", t.sni());
            tls.put("alpn", t.alpn());
            tls.put("version", t.version());
        }, () -> node.putNull("tls"));
        node.put("handling", handling(flow));
        return node;
    }

    private static String handling(Flow flow) {
        if (flow instanceof HttpFlow http) {
            return http.handling().kind().name().toLowerCase(Locale.ROOT);
        }
        if (flow instanceof DnsFlow dns) {
            return dns.resolution().toString();
        }
        return "upstream";
    }
}
