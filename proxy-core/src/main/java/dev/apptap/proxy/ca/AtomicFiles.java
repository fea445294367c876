package dev.apptap.proxy.ca;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * Files that several JVMs may write at once: each writer fills its own temporary file and renames it into place,
 * so a reader sees the old file or the new one, never half of either.
 */
final class AtomicFiles {

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> PUBLIC_READ = PosixFilePermissions.fromString("rw-r--r--");
    static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private AtomicFiles() {
    }

    static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /** Creates missing directories as 0700 (the mode is set by mkdir itself, never widened afterwards). */
    static void createPrivateDirectories(Path directory) throws IOException {
        if (posix()) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
        } else {
            Files.createDirectories(directory);
        }
    }

    /**
     * Writes {@code content} to {@code target} unless it already holds exactly that, so repeated starts do not
     * churn files other processes are reading. Returns whether it wrote.
     */
    static boolean writeIfChanged(Path target, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        if (holds(target, content)) {
            return false;
        }
        write(target, content, permissions);
        return true;
    }

    /** The temporary file gets its permissions at creation, so a private key is never readable by others. */
    static void write(Path target, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        FileAttribute<?>[] attributes = posix()
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
        Path temporary = Files.createTempFile(directory, "." + target.getFileName() + ".", ".tmp", attributes);
        try {
            Files.write(temporary, content);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static boolean holds(Path target, byte[] content) throws IOException {
        try {
            return Files.size(target) == content.length && Arrays.equals(Files.readAllBytes(target), content);
        } catch (NoSuchFileException e) {
            return false;
        }
    }
}
