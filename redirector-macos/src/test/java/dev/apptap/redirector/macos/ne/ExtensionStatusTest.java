package dev.apptap.redirector.macos.ne;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExtensionStatusTest {

    private static final String HEADER = "1 extension(s)\n--- com.apple.system_extension.network_extension\n"
            + "enabled\tactive\tteamID\tbundleID (version)\tname\t[state]\n";

    @Test
    void anActivatedVersionTwoExtensionIsReady() {
        assertThat(ExtensionStatus.problem(HEADER + "*\t*\tS8XHQB96PW\torg.mitmproxy.macos-redirector.network-extension"
                + " (2.0/1)\tMitmproxy Redirector\t[activated enabled]\n")).isEmpty();
    }

    @Test
    void aMissingExtensionSaysWhatToInstallAndApprove() {
        assertThat(ExtensionStatus.problem("0 extension(s)\n")).get().asString()
                .contains("not installed", "brew install --cask mitmproxy", "Network Extensions",
                        "would like to add proxy configurations");
    }

    @Test
    void anExtensionWaitingForTheUserSaysWhereToApproveIt() {
        assertThat(ExtensionStatus.problem(HEADER + "\t\tS8XHQB96PW\torg.mitmproxy.macos-redirector.network-extension"
                + " (2.0/1)\tMitmproxy Redirector\t[activated waiting for user]\n")).get().asString()
                .contains("activated waiting for user", "Login Items & Extensions");
    }

    @Test
    void aVersionOneExtensionIsStale() {
        assertThat(ExtensionStatus.problem(HEADER + "*\t*\tS8XHQB96PW\torg.mitmproxy.macos-redirector.network-extension"
                + " (1.0/1)\tMitmproxy Redirector\t[activated enabled]\n")).get().asString()
                .contains("version 1.0", "protocol 2", "11.1.3");
    }

    @Test
    void anOldRowBesideTheCurrentOneDoesNotMatter() {
        assertThat(ExtensionStatus.problem(HEADER
                + "\t\tS8XHQB96PW\torg.mitmproxy.macos-redirector.network-extension (1.0/1)\tMitmproxy Redirector"
                + "\t[terminated waiting to uninstall on reboot]\n"
                + "*\t*\tS8XHQB96PW\torg.mitmproxy.macos-redirector.network-extension (2.0/1)\tMitmproxy Redirector"
                + "\t[activated enabled]\n")).isEmpty();
    }
}
