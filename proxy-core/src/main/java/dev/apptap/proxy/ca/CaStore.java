package dev.apptap.proxy.ca;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Loads the CA from its directory, or creates it there exactly once even when several threads and JVMs start
 * together. Creation is serialised by a lock object per directory (threads) and an OS file lock (JVMs); files
 * appear by atomic rename, key first, so a lock-free reader that sees both files sees both complete.
 */
final class CaStore {

    static final String CERTIFICATE_FILE = "apptap-ca.pem";
    static final String KEY_FILE = "apptap-ca-key.pem";
    static final String LOCK_FILE = ".apptap-ca.lock";

    private static final String START_AGAIN = "delete both %s and %s and apptap will create a new CA on next start";

    /** FileLock is held per JVM, not per thread, so threads of one JVM need their own lock. */
    private static final ConcurrentMap<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    private CaStore() {
    }

    static CertificateAuthority loadOrCreate(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        Path certificateFile = dir.resolve(CERTIFICATE_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        if (Files.isRegularFile(certificateFile) && Files.isRegularFile(keyFile)) {
            return load(dir);
        }
        Path realDir;
        try {
            AtomicFiles.createPrivateDirectories(dir);
            realDir = dir.toRealPath();
        } catch (IOException e) {
            throw new CertificateAuthorityException("apptap could not create its CA directory " + dir + " (" + e
                    + "); make its parent writable, or set the system property apptap.home to a writable directory.", dir, e);
        }
        // keyed by the real path: two spellings of one directory must share the lock, or FileLock would overlap
        synchronized (JVM_LOCKS.computeIfAbsent(realDir, d -> new Object())) {
            try (FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                // closing the channel releases the lock
                lock(channel);
                return createUnlessPresent(dir, certificateFile, keyFile);
            } catch (IOException e) {
                throw new CertificateAuthorityException("apptap could not lock " + dir.resolve(LOCK_FILE) + " to create its CA ("
                        + e + "); make " + dir + " writable, or set the system property apptap.home to a writable directory.", dir, e);
            }
        }
    }

    /**
     * Some network file systems refuse locks. Creation then goes ahead unlocked: no file is ever torn, but two JVMs
     * racing there could pair one's key with the other's certificate, which the next load reports as a mismatch.
     */
    private static void lock(FileChannel channel) {
        try {
            channel.lock();
        } catch (IOException | UnsupportedOperationException e) {
            // proceed unlocked
        }
    }

    private static CertificateAuthority createUnlessPresent(Path dir, Path certificateFile, Path keyFile) {
        boolean haveCertificate = Files.exists(certificateFile);
        boolean haveKey = Files.exists(keyFile);
        if (haveCertificate && haveKey) {
            // another thread or JVM won the race while we waited for the lock: use its CA
            return load(dir);
        }
        if (haveCertificate || haveKey) {
            Path present = haveCertificate ? certificateFile : keyFile;
            Path missing = haveCertificate ? keyFile : certificateFile;
            throw new CertificateAuthorityException("The apptap CA directory " + dir + " holds " + present.getFileName()
                    + " but not " + missing.getFileName() + "; restore " + missing + ", or " + startAgain(certificateFile, keyFile)
                    + ".", missing);
        }
        KeyPair keys = Keys.newEcP256();
        X509Certificate certificate = CaCertificates.newApptapRoot(keys);
        try {
            AtomicFiles.write(keyFile, Pem.privateKey(keys.getPrivate()).getBytes(StandardCharsets.US_ASCII), AtomicFiles.OWNER_ONLY);
            AtomicFiles.write(certificateFile, Pem.certificate(certificate).getBytes(StandardCharsets.US_ASCII), AtomicFiles.PUBLIC_READ);
        } catch (IOException e) {
            throw new CertificateAuthorityException("apptap could not write its CA into " + dir + " (" + e
                    + "); make the directory writable, or set the system property apptap.home to a writable directory.", dir, e);
        }
        return new CertificateAuthority(certificate, keys.getPrivate(), dir);
    }

    static CertificateAuthority load(Path dir) {
        Path certificateFile = dir.resolve(CERTIFICATE_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        String again = startAgain(certificateFile, keyFile);
        X509Certificate certificate = Pem.readCertificate(read(certificateFile, "certificate", again)).orElseThrow(() ->
                new CertificateAuthorityException("The apptap CA certificate " + certificateFile
                        + " is not a PEM certificate (BEGIN CERTIFICATE); " + again + ".", certificateFile));
        PrivateKey key = Pem.readPrivateKey(read(keyFile, "key", again)).orElseThrow(() ->
                new CertificateAuthorityException("The apptap CA key " + keyFile
                        + " is not an unencrypted PEM private key (BEGIN PRIVATE KEY); " + again + ".", keyFile));
        if (certificate.getBasicConstraints() < 0 || !canSignCertificates(certificate)) {
            throw new CertificateAuthorityException("The apptap CA certificate " + certificateFile + " ("
                    + certificate.getSubjectX500Principal().getName() + ") is not a certificate authority, so it cannot sign"
                    + " leaf certificates; " + again + ".", certificateFile);
        }
        try {
            certificate.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new CertificateAuthorityException("The apptap CA certificate " + certificateFile + " expired on "
                    + certificate.getNotAfter().toInstant() + "; " + again + ", and trust the new CA where you trusted the old one.",
                    certificateFile, e);
        } catch (CertificateNotYetValidException e) {
            throw new CertificateAuthorityException("The apptap CA certificate " + certificateFile + " is not valid until "
                    + certificate.getNotBefore().toInstant() + " but the clock says " + Instant.now()
                    + "; fix the system clock, or " + again + ".", certificateFile, e);
        }
        if (!Keys.matches(key, certificate.getPublicKey())) {
            throw new CertificateAuthorityException("The apptap CA key " + keyFile + " does not match the certificate "
                    + certificateFile + "; " + again + ".", keyFile);
        }
        requireOwnerOnly(keyFile);
        return new CertificateAuthority(certificate, key, dir);
    }

    /**
     * Whoever reads the CA key can impersonate any site to every app that trusts apptap's CA, so a key others may read
     * is refused, as ssh refuses such keys. apptap writes it 0600; a looser mode comes from a copy or a restore.
     */
    private static void requireOwnerOnly(Path keyFile) {
        if (!AtomicFiles.posix()) {
            return;
        }
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(keyFile);
        } catch (IOException e) {
            return; // it was just read, so its mode can only be unreadable in races; the next start checks again
        }
        Set<PosixFilePermission> others = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
        others.retainAll(mode);
        if (!others.isEmpty()) {
            throw new CertificateAuthorityException("The apptap CA key " + keyFile + " may be read or changed by other"
                    + " users (mode " + PosixFilePermissions.toString(mode) + "), and whoever has it can impersonate any"
                    + " site to apps that trust apptap's CA; run 'chmod 600 " + keyFile + "' and start again.", keyFile);
        }
    }

    private static boolean canSignCertificates(X509Certificate certificate) {
        boolean[] usage = certificate.getKeyUsage();
        return usage == null || (usage.length > 5 && usage[5]);
    }

    private static String read(Path file, String what, String again) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new CertificateAuthorityException("The apptap CA " + what + " " + file + " could not be read (" + e
                    + "); check that it belongs to you and is readable, or " + again + ".", file, e);
        }
    }

    private static String startAgain(Path certificateFile, Path keyFile) {
        return String.format(START_AGAIN, certificateFile, keyFile);
    }
}
