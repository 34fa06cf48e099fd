package dev.outpost.internal.wire;

import dev.outpost.HandshakeLine;
import dev.outpost.Network;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The certificates follow go-plugin's template (spec §3.2) and its encodings. */
class AutoMtlsTest {

    @Test
    void theCertificateFollowsGoPluginsTemplate() throws Exception {
        Instant before = Instant.now();
        AutoMtls.Identity identity = AutoMtls.generate();
        X509Certificate cert = identity.certificate();

        assertThat(cert.getPublicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(521);
        assertThat(cert.getSigAlgName()).isEqualTo("SHA512withECDSA");
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=localhost,O=HashiCorp");
        assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
        cert.verify(cert.getPublicKey());
        assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(2, "localhost"));
        assertThat(cert.getBasicConstraints()).as("CA without a path length").isEqualTo(Integer.MAX_VALUE);
        // digitalSignature, keyEncipherment, keyAgreement, keyCertSign
        assertThat(cert.getKeyUsage()).startsWith(true, false, true, false, true, true, false);
        assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(cert.getExtensionValue("2.5.29.14")).as("subject key identifier").isNotNull();
        assertThat(cert.getSerialNumber().bitLength()).isLessThanOrEqualTo(128).isGreaterThan(64);
        assertThat(cert.getNotBefore().toInstant()).isBetween(before.minusSeconds(31), Instant.now().minusSeconds(29));
        assertThat(Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()))
                .isBetween(Duration.ofHours(262_980), Duration.ofHours(262_980).plusSeconds(31));
        assertThat(AutoMtls.generate().certificate().getSerialNumber()).isNotEqualTo(cert.getSerialNumber());
    }

    @Test
    void validityTimesAreEncodedAsGoDoesToTheSecond() throws Exception {
        // UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280, 4.1.2.5), as Go's x509 writes them.
        assertThat(encoded("2026-12-02T08:05:09.750Z")).isEqualTo(der(0x17, "261202080509Z"));
        assertThat(encoded("2049-12-31T23:59:59Z")).isEqualTo(der(0x17, "491231235959Z"));
        assertThat(encoded("2050-01-01T00:00:00Z")).isEqualTo(der(0x18, "20500101000000Z"));
        assertThat(encoded("2056-07-04T20:05:09Z")).isEqualTo(der(0x18, "20560704200509Z"));
        assertThat(AutoMtls.time(Instant.parse("2056-07-04T20:05:09.999Z")).getDate().toInstant())
                .isEqualTo(Instant.parse("2056-07-04T20:05:09Z"));
    }

    private static byte[] encoded(String instant) throws Exception {
        return AutoMtls.time(Instant.parse(instant)).toASN1Primitive().getEncoded();
    }

    private static byte[] der(int tag, String text) {
        byte[] ascii = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] der = new byte[ascii.length + 2];
        der[0] = (byte) tag;
        der[1] = (byte) ascii.length;
        System.arraycopy(ascii, 0, der, 2, ascii.length);
        return der;
    }

    @Test
    void pemHas64ColumnLinesAndRoundTrips() throws Exception {
        AutoMtls.Identity identity = AutoMtls.generate();
        String pem = identity.certificatePem();
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("\n-----END CERTIFICATE-----\n")
                .doesNotContain("\r");
        List<String> body = List.of(pem.split("\n")).subList(1, pem.split("\n").length - 1);
        body.subList(0, body.size() - 1).forEach(line -> assertThat(line).hasSize(64));
        assertThat(body.get(body.size() - 1).length()).isBetween(1, 64);
        assertThat(AutoMtls.parsePem(pem)).isEqualTo(identity.certificate());
    }

    @Test
    void theHandshakeFieldIsUnpaddedBase64DerThatParsesBack() throws Exception {
        AutoMtls.Identity identity = AutoMtls.generate();
        HandshakeLine line = HandshakeLine.grpc(1, Network.UNIX, "/tmp/p.sock").withServerCert(identity.certificateDer());
        String field = line.format().split("\\|")[5];
        assertThat(field).doesNotContain("=").isEqualTo(Base64.getEncoder().withoutPadding()
                .encodeToString(identity.certificate().getEncoded()));
        byte[] der = HandshakeLine.parse(line.format()).serverCert().orElseThrow();
        assertThat(AutoMtls.parseDer(der)).isEqualTo(identity.certificate());
    }

    @Test
    void garbageIsNotACertificate() {
        assertThatThrownBy(() -> AutoMtls.parsePem("hello")).isInstanceOf(CertificateException.class)
                .hasMessageContaining("no PEM");
        assertThatThrownBy(() -> AutoMtls.parseDer(new byte[] {1, 2, 3})).isInstanceOf(CertificateException.class);
    }
}
