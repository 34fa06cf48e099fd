package dev.outpost.internal.grpc;

import dev.outpost.TlsFiles;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the PEM files of {@link TlsFiles}: certificates and a private key. Every failure is an {@link
 * IllegalArgumentException} that names the file and says what it holds instead, so that an operator who
 * mixed up two files sees which.
 */
final class PemFiles {

    private PemFiles() {
    }

    /** The certificates of {@code file}, in order; at least one. */
    static List<X509Certificate> certificates(Path file, String what) {
        List<X509Certificate> certificates = new ArrayList<>();
        List<String> others = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = parser(file)) {
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                } else {
                    others.add(kind(item));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new IllegalArgumentException("TLS " + what + " file " + file + " is not valid PEM: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("TLS " + what + " file " + file + " holds no PEM certificate"
                    + (others.isEmpty() ? "" : " (it holds: " + String.join(", ", others) + ")"));
        }
        return certificates;
    }

    /** The one private key of {@code file}. */
    static PrivateKey privateKey(Path file) {
        Object key = null;
        List<String> others = new ArrayList<>();
        try (PEMParser parser = parser(file)) {
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof PEMEncryptedKeyPair || item instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new IllegalArgumentException("TLS key file " + file + " holds an encrypted private key; "
                            + "give it unencrypted (e.g. openssl pkey -in key.pem -out plain.pem), protected by the "
                            + "file's permissions");
                }
                if (item instanceof PEMKeyPair || item instanceof PrivateKeyInfo) {
                    if (key != null) {
                        throw new IllegalArgumentException("TLS key file " + file + " holds more than one private key");
                    }
                    key = item;
                } else {
                    others.add(kind(item));
                }
            }
            if (key == null) {
                throw new IllegalArgumentException("TLS key file " + file + " holds no PEM private key"
                        + (others.isEmpty() ? "" : " (it holds: " + String.join(", ", others) + ")"));
            }
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            return key instanceof PEMKeyPair pair ? converter.getKeyPair(pair).getPrivate()
                    : converter.getPrivateKey((PrivateKeyInfo) key);
        } catch (IOException e) {
            throw new IllegalArgumentException("TLS key file " + file + " is not valid PEM: " + e.getMessage(), e);
        }
    }

    /**
     * Fails, naming both files, when {@code key} is not the private key of {@code certificate}: else the
     * mistake would only show as a TLS handshake that the other side refuses, far from its cause.
     */
    static void checkPair(PrivateKey key, X509Certificate certificate, Path keyFile, Path certificateFile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return; // an unusual key type: the TLS handshake will tell
        }
        boolean matches;
        try {
            byte[] probe = "outpost key check".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (java.security.GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new IllegalArgumentException("TLS key file " + keyFile + " does not hold the private key of the "
                    + "certificate in " + certificateFile + " (" + certificate.getSubjectX500Principal() + ")");
        }
    }

    private static PEMParser parser(Path file) throws IOException {
        Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        return new PEMParser(reader);
    }

    private static String kind(Object item) {
        if (item instanceof PEMKeyPair || item instanceof PrivateKeyInfo) {
            return "a private key";
        }
        return item.getClass().getSimpleName();
    }
}
