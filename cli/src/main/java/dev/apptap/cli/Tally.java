package dev.apptap.cli;

import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Flow;
import dev.apptap.flow.Sizes;

/** The counts behind the summary line: {@code 3 flows: 2 OK, 1 failed; 12.3 KiB in, 1.1 KiB out}. */
final class Tally {

    private int ok;
    private int failed;
    private int dns;
    private long bytesIn;
    private long bytesOut;

    synchronized void add(Flow flow) {
        if (flow instanceof DnsFlow) {
            dns++;
            return;
        }
        if (flow.error().isPresent()) {
            failed++;
        } else {
            ok++;
        }
        bytesIn += flow.bytesReceived();
        bytesOut += flow.bytesSent();
    }

    synchronized int flows() {
        return ok + failed;
    }

    /** @param unfinished flows still running when apptap stopped */
    synchronized String summary(int unfinished) {
        int total = ok + failed;
        StringBuilder line = new StringBuilder()
                .append(total).append(total == 1 ? " flow: " : " flows: ")
                .append(ok).append(" OK, ").append(failed).append(" failed");
        if (unfinished > 0) {
            line.append(", ").append(unfinished).append(" unfinished");
        }
        line.append("; ").append(Sizes.describe(bytesIn)).append(" in, ")
                .append(Sizes.describe(bytesOut)).append(" out");
        if (dns > 0) {
            line.append("; ").append(dns).append(dns == 1 ? " DNS query" : " DNS queries");
        }
        return line.toString();
    }
}
