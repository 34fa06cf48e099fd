package dev.outpost.internal.wire;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * go-plugin's automatic mutual TLS certificates: each side makes a one-off key and self-signed
 * certificate with go-plugin's template, and trusts exactly the other side's certificate. The host
 * passes its certificate as PEM in {@link PluginEnv#CLIENT_CERT}; the plugin answers with its own
 * as DER in handshake field 6 ({@link dev.outpost.HandshakeLine#serverCert()}).
 */
public final class AutoMtls {

    /** Both sides name each other {@code localhost}: the only name in the certificates. */
    public static final String SERVER_NAME = "localhost";

    private static final Duration NOT_BEFORE_SKEW = Duration.ofSeconds(30);
    private static final Duration VALIDITY = Duration.ofHours(262_980);
    private static final SecureRandom RANDOM = new SecureRandom();

    private AutoMtls() {
    }

    /**
     * A private key and its self-signed certificate. The key never leaves this process.
     *
     * @param privateKey  the ECDSA P-521 key
     * @param certificate the certificate for {@code privateKey}
     */
    public record Identity(PrivateKey privateKey, X509Certificate certificate) {
        public Identity {
            Objects.requireNonNull(privateKey, "privateKey");
            Objects.requireNonNull(certificate, "certificate");
        }

        /** The certificate as PEM, as a host puts it in {@link PluginEnv#CLIENT_CERT}. */
        public String certificatePem() {
            return toPem(certificate);
        }

        /** The certificate's DER bytes, as a plugin announces them in its handshake. */
        public byte[] certificateDer() {
            return der(certificate);
        }
    }

    /**
     * A new key and certificate with go-plugin's template: ECDSA P-521, SHA-512 signature, subject and
     * issuer {@code CN=localhost, O=HashiCorp}, SAN DNS {@code localhost}, CA, key usages
     * digitalSignature/keyEncipherment/keyAgreement/keyCertSign, extended key usages serverAuth and
     * clientAuth, a random 128-bit serial, valid from 30 s ago for 262,980 hours.
     */
    public static Identity generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp521r1"), RANDOM);
            KeyPair keys = generator.generateKeyPair();
            // Go's order (O before CN) gives the same DER subject as go-plugin's certificates.
            var subject = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.O, "HashiCorp")
                    .addRDN(BCStyle.CN, SERVER_NAME)
                    .build();
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(128, RANDOM), time(now.minus(NOT_BEFORE_SKEW)), time(now.plus(VALIDITY)),
                    subject, keys.getPublic());
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                            | KeyUsage.keyEncipherment | KeyUsage.keyAgreement | KeyUsage.keyCertSign))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                            KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth}))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.dNSName, SERVER_NAME)))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()));
            byte[] der = builder.build(new JcaContentSignerBuilder("SHA512withECDSA").build(keys.getPrivate()))
                    .getEncoded();
            return new Identity(keys.getPrivate(), parseDer(der));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot generate an AutoMTLS certificate: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A validity time as Go's x509 encodes it, to the second: UTCTime ({@code YYMMDDHHMMSSZ}) for the years
     * 1950 to 2049, GeneralizedTime ({@code YYYYMMDDHHMMSSZ}) otherwise. Bouncy Castle's {@code Time(Date)}
     * does the same through SimpleDateFormat, whose first use loads the JDK's locale data: about 25 ms of
     * a plugin's start with AutoMTLS, for digits.
     */
    static Time time(Instant instant) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), 0, ZoneOffset.UTC);
        boolean utcTime = t.getYear() >= 1950 && t.getYear() <= 2049;
        StringBuilder text = new StringBuilder(15);
        digits(text, utcTime ? t.getYear() % 100 : t.getYear(), utcTime ? 2 : 4);
        for (int field : new int[] {t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()}) {
            digits(text, field, 2);
        }
        byte[] ascii = text.append('Z').toString().getBytes(StandardCharsets.US_ASCII);
        byte[] der = new byte[ascii.length + 2];
        der[0] = (byte) (utcTime ? BERTags.UTC_TIME : BERTags.GENERALIZED_TIME);
        der[1] = (byte) ascii.length;
        System.arraycopy(ascii, 0, der, 2, ascii.length);
        try {
            return Time.getInstance(ASN1Primitive.fromByteArray(der));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the time " + instant, e);
        }
    }

    private static void digits(StringBuilder text, int value, int width) {
        String number = Integer.toString(value);
        text.append("0".repeat(Math.max(0, width - number.length()))).append(number);
    }

    /** PEM with 64-column lines and {@code \n} line ends, as Go's {@code pem.Encode} writes it. */
    public static String toPem(X509Certificate certificate) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der(certificate));
        return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
    }

    /**
     * Parses the first certificate of a PEM text.
     *
     * @throws CertificateException when the text holds no valid certificate
     */
    public static X509Certificate parsePem(String pem) throws CertificateException {
        Objects.requireNonNull(pem, "pem");
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new CertificateException("no PEM \"CERTIFICATE\" block");
        }
        return parse(pem.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Parses a DER certificate, such as the one in handshake field 6.
     *
     * @throws CertificateException when the bytes are not one valid certificate
     */
    public static X509Certificate parseDer(byte[] der) throws CertificateException {
        Objects.requireNonNull(der, "der");
        return parse(der);
    }

    private static X509Certificate parse(byte[] bytes) throws CertificateException {
        var certificate = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(bytes));
        if (!(certificate instanceof X509Certificate x509)) {
            throw new CertificateException("not an X.509 certificate");
        }
        return x509;
    }

    private static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode certificate", e);
        }
    }
}
