package dev.outpost;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The PEM files of one side of a mutual TLS connection between a host and a remote plugin, made by the
 * operator (not go-plugin's AutoMTLS, whose certificates are made afresh for each process). Checked when
 * made: each must be a readable regular file; their contents are read when a connection is set up.
 *
 * @param ca          the certificate authorities (one or more PEM certificates) that the other side's
 *                    certificate must chain to
 * @param certificate this side's certificate, PEM, optionally followed by its intermediate certificates
 * @param key         this side's private key, PEM: PKCS#8 ({@code PRIVATE KEY}), or RSA or EC in their
 *                    traditional form; not encrypted
 */
public record TlsFiles(Path ca, Path certificate, Path key) {

    /** @throws IllegalArgumentException naming the file, when one is missing, not a file or unreadable */
    public TlsFiles {
        check(ca, "ca");
        check(certificate, "certificate");
        check(key, "key");
    }

    /** Shorthand for {@code new TlsFiles(ca, certificate, key)}. */
    public static TlsFiles of(Path ca, Path certificate, Path key) {
        return new TlsFiles(ca, certificate, key);
    }

    private static void check(Path file, String what) {
        Objects.requireNonNull(file, what);
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("TLS " + what + " file " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("TLS " + what + " file " + file + " is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("TLS " + what + " file " + file + " is not readable");
        }
    }
}
