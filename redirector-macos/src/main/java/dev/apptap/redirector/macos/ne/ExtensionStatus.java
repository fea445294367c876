package dev.apptap.redirector.macos.ne;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether mitmproxy's redirector extension is installed, approved and speaks protocol 2, from the output of
 * {@code systemextensionsctl list}, whose rows look like
 * {@code *  *  S8XHQB96PW  org.mitmproxy.macos-redirector.network-extension (2.0/1)  Mitmproxy Redirector  [activated enabled]}.
 */
final class ExtensionStatus {

    static final String BUNDLE_ID = "org.mitmproxy.macos-redirector.network-extension";
    static final String INSTALL = "install mitmproxy 11.1.3 or later (brew install --cask mitmproxy, or pip install"
            + " mitmproxy) and run 'mitmdump --mode local:curl' once, which copies 'Mitmproxy Redirector.app' (extension"
            + " version 2.x) into /Applications";
    static final String APPROVE = "approve the extension once in System Settings → General → Login Items & Extensions"
            + " → Network Extensions (enable 'Mitmproxy Redirector') and accept 'Mitmproxy Redirector would like to add"
            + " proxy configurations', then run again";

    private static final Pattern ROW = Pattern.compile(Pattern.quote(BUNDLE_ID) + "\\s+\\(([^/)]+)(?:/[^)]*)?\\).*?\\[([^]]*)]");

    private ExtensionStatus() {
    }

    /** Empty when an activated, enabled 2.x extension is listed; otherwise a sentence saying what to do. */
    static Optional<String> problem(String systemExtensionsList) {
        String waiting = null;
        String stale = null;
        for (String line : systemExtensionsList.split("\n")) {
            Matcher row = ROW.matcher(line);
            if (!row.find()) {
                continue;
            }
            String version = row.group(1).strip();
            String state = row.group(2).strip();
            if (!version.startsWith("2.")) {
                stale = version;
                continue;
            }
            if (state.equals("activated enabled")) {
                return Optional.empty();
            }
            waiting = state;
        }
        if (waiting != null) {
            return Optional.of("The Mitmproxy Redirector extension is installed but " + waiting + "; " + APPROVE + ".");
        }
        if (stale != null) {
            return Optional.of("The Mitmproxy Redirector extension on this Mac is version " + stale + ", but apptap"
                    + " speaks its protocol 2 (extension 2.x); " + INSTALL + ", and approve the update if macOS asks.");
        }
        return Optional.of("The Mitmproxy Redirector extension is not installed; " + INSTALL + ", then " + APPROVE + ".");
    }
}
