package dev.apptap.proxy.ca;

import java.nio.file.Path;

/** Run in separate JVMs by the concurrent-creation test: loads or creates the CA and prints its fingerprint. */
public final class CaCreatorMain {

    private CaCreatorMain() {
    }

    public static void main(String[] args) {
        System.out.println("FINGERPRINT " + CertificateAuthority.loadOrCreate(Path.of(args[0])).sha256Fingerprint());
    }
}
