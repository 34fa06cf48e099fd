package dev.outpost.internal.wire;

import dev.outpost.HandshakeLine;
import dev.outpost.HandshakeException;
import dev.outpost.Network;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HandshakeLineTest {

    @Test
    void formatsAGoStyleLineWithAnEmptyCertificateField() {
        HandshakeLine line = HandshakeLine.grpc(1, Network.UNIX, "/tmp/plugin123");
        assertThat(line.format()).isEqualTo("1|1|unix|/tmp/plugin123|grpc|");
        assertThat(HandshakeLine.parse(line.format())).isEqualTo(line);
    }

    @Test
    void parsesEveryField() {
        byte[] der = new byte[64];
        for (int i = 0; i < der.length; i++) {
            der[i] = (byte) i;
        }
        String cert = Base64.getEncoder().withoutPadding().encodeToString(der);
        HandshakeLine line = HandshakeLine.parse("1|6|tcp|127.0.0.1:10000|grpc|" + cert + "|true\n");
        assertThat(line.coreVersion()).isEqualTo(1);
        assertThat(line.appVersion()).isEqualTo(6);
        assertThat(line.network()).isEqualTo(Network.TCP);
        assertThat(line.tcpHost()).isEqualTo("127.0.0.1");
        assertThat(line.tcpPort()).isEqualTo(10000);
        assertThat(line.protocol()).isEqualTo("grpc");
        assertThat(line.serverCert()).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(der));
        assertThat(line.multiplex()).contains(true);
        assertThat(line.format()).isEqualTo("1|6|tcp|127.0.0.1:10000|grpc|" + cert + "|true");
    }

    @Test
    void acceptsThePythonExamplesFiveFieldsAndIgnoresFieldsItDoesNotKnow() {
        assertThat(HandshakeLine.parse("1|1|tcp|127.0.0.1:1234|grpc").serverCert()).isEmpty();
        HandshakeLine extra = HandshakeLine.parse("1|1|unix|/s|grpc||false|future|fields");
        assertThat(extra.multiplex()).contains(false);
        assertThat(extra.address()).isEqualTo("/s");
    }

    @Test
    void aMissingProtocolMeansNetrpcAndAShortSixthFieldIsNotACertificate() {
        assertThat(HandshakeLine.parse("1|1|unix|/s").protocol()).isEqualTo(HandshakeLine.NETRPC);
        assertThat(HandshakeLine.parse("1|1|unix|/s|grpc|legacy-extra").serverCert()).isEqualTo(Optional.empty());
    }

    @Test
    void bracketedIpv6Addresses() {
        HandshakeLine line = HandshakeLine.parse("1|1|tcp|[::1]:4000|grpc|");
        assertThat(line.tcpHost()).isEqualTo("::1");
        assertThat(line.tcpPort()).isEqualTo(4000);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "'';expected CORE|APP|NETWORK|ADDRESS|PROTOCOL[|CERT], got an empty line",
            "garbage;got 1 field",
            "1|1|unix;got 3 fields",
            "x|1|unix|/s|grpc|;core protocol version is not a number: \"x\"",
            "2|1|unix|/s|grpc|;incompatible core protocol version 2 (expected 1)",
            "1|one|unix|/s|grpc|;application protocol version is not a number: \"one\"",
            "1|1|pipe|/s|grpc|;unknown network \"pipe\" (expected unix or tcp)",
            "1|1|unix||grpc|;empty address",
            "1|1|tcp|localhost|grpc|;tcp address \"localhost\" is not host:port",
            "1|1|tcp|localhost:99999|grpc|;tcp address \"localhost:99999\" is not host:port",
            "1|1|unix|/s|grpc||maybe;multiplexing field \"maybe\" is not a boolean",
            "1|1|unix|/s|grpc|!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!;server certificate field is not base64"})
    void rejectsMalformedLinesNamingTheProblem(String line, String message) {
        assertThatThrownBy(() -> HandshakeLine.parse(line))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining(message);
    }

    @Test
    void quotesControlCharactersAndCutsLongLinesInErrors() {
        assertThatThrownBy(() -> HandshakeLine.parse("\u0007bell" + "x".repeat(500)))
                .hasMessageContaining("\\x07bell")
                .hasMessageContaining("(505 chars)");
    }
}
