package dev.outpost.internal.wire;

import dev.outpost.HandshakeLine;
import dev.outpost.HandshakeException;
import dev.outpost.Network;
import dev.outpost.LogLevel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/**
 * What a hostile or broken plugin can print cannot break the host's parsers: properties over
 * generated input (jqwik, on the JUnit Platform beside Jupiter).
 */
class WireProperties {

    // ---- HandshakeLine --------------------------------------------------------------------------

    @Provide
    Arbitrary<String> handshakeish() {
        // Pieces that make lines look like handshakes, so that the deeper checks are reached too.
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.of("1", "0", "-1", "2", "99999999999", "unix", "tcp", "pipe", "grpc", "netrpc", "true",
                        "false", "T", "", " ", "\t", "\r", "\n", "127.0.0.1:1234", "[::1]:80", "host:", ":0", "/tmp/p.sock",
                        "MIIB" + "A".repeat(60), "===", "é", "\u0000"),
                Arbitraries.strings().ofMaxLength(12));
        return piece.list().ofMaxSize(9).map(pieces -> String.join("|", pieces));
    }

    @Property(tries = 2000)
    void parsingAHandshakeOnlyEverThrowsHandshakeException(@ForAll("handshakeish") String line) {
        assertThatCode(() -> {
            try {
                HandshakeLine.parse(line);
            } catch (HandshakeException expected) {
                assertThat(expected.getMessage()).isNotBlank().hasSizeLessThan(2000);
            }
        }).doesNotThrowAnyException();
    }

    @Property(tries = 1000)
    void parsingArbitraryTextOnlyEverThrowsHandshakeException(@ForAll String line) {
        assertThatCode(() -> {
            try {
                HandshakeLine.parse(line);
            } catch (HandshakeException expected) {
                // the one failure a host expects
            }
        }).doesNotThrowAnyException();
    }

    @Provide
    Arbitrary<HandshakeLine> handshakes() {
        Arbitrary<String> unixPath = Arbitraries.strings().withCharRange('a', 'z').withChars('/', '.', '-', '_')
                .ofMinLength(1).ofMaxLength(80).map(path -> "/" + path);
        Arbitrary<HandshakeLine> unix = Combinators.combine(Arbitraries.integers().between(0, 1000), unixPath)
                .as((version, path) -> HandshakeLine.grpc(version, Network.UNIX, path));
        Arbitrary<HandshakeLine> tcp = Combinators.combine(Arbitraries.integers().between(0, 1000),
                        Arbitraries.integers().between(1, 65535))
                .as((version, port) -> HandshakeLine.grpc(version, Network.TCP, "127.0.0.1:" + port));
        Arbitrary<byte[]> cert = Arbitraries.bytes().array(byte[].class).ofMinSize(40).ofMaxSize(600);
        return Combinators.combine(Arbitraries.oneOf(unix, tcp), cert.injectNull(0.5),
                        Arbitraries.of(true, false).injectNull(0.5))
                .as((line, der, mux) -> {
                    HandshakeLine withCert = der == null ? line : line.withServerCert(der);
                    return new HandshakeLine(withCert.coreVersion(), withCert.appVersion(), withCert.network(),
                            withCert.address(), withCert.protocol(), withCert.serverCert(), java.util.Optional.ofNullable(mux));
                });
    }

    @Property(tries = 1000)
    void aFormattedHandshakeParsesBackToItself(@ForAll("handshakes") HandshakeLine line) {
        assertThat(HandshakeLine.parse(line.format())).isEqualTo(line);
        assertThat(HandshakeLine.parse("  " + line.format() + "\r\n")).isEqualTo(line);
    }

    // ---- LogLine --------------------------------------------------------------------------------

    @Provide
    Arbitrary<String> jsonish() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of("{", "}", "[", "]", ":", ",", "\"", "\\", "\"@level\"", "\"@message\"",
                        "\"@timestamp\"", "\"@module\"", "\"info\"", "\"ERROR\"", "null", "true", "1e999999", "-0",
                        "123456789012345678901234567890", "\"\\u0000\"", "\"\\ud800\"", "{\"a\":", " "),
                Arbitraries.strings().ofMaxLength(8));
        return token.list().ofMaxSize(40).map(tokens -> "{" + String.join("", tokens));
    }

    @Property(tries = 2000)
    void parsingALogLineNeverThrows(@ForAll("jsonish") String line) {
        assertThatCode(() -> LogLine.parse(line)).doesNotThrowAnyException();
    }

    @Property(tries = 1000)
    void parsingArbitraryTextAsALogLineNeverThrows(@ForAll String line) {
        assertThatCode(() -> LogLine.parse(line)).doesNotThrowAnyException();
    }

    @Property(tries = 3000)
    void theLevelAloneAgreesWithTheParse(@ForAll("jsonish") String line) {
        assertThat(LogLine.levelOf(line)).isEqualTo(LogLine.parse(line).map(LogLine::level));
    }

    /** Written lines with one edit: a token put in or a stretch cut out somewhere. */
    @Provide
    Arbitrary<String> editedLines() {
        Arbitrary<String> lines = Combinators.combine(Arbitraries.of(LogLevel.class), Arbitraries.strings().ofMaxLength(10),
                Arbitraries.maps(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(4),
                        Arbitraries.strings().ofMaxLength(4)).ofMaxSize(3))
                .as((level, message, fields) -> LogLine.of(level, "mod", message, fields).toJson());
        Arbitrary<String> tokens = Arbitraries.of("{", "}", "[", "]", ":", ",", "\"", "1", "null", "\"@level\":\"warn\",",
                "\"@message\":[],", "\"@timestamp\":1,", "\"x\":{\"@level\":2},", "");
        return Combinators.combine(lines, Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(0, 5), tokens)
                .as((line, where, cut, token) -> {
                    int at = (int) (where * line.length());
                    return line.substring(0, at) + token + line.substring(Math.min(line.length(), at + cut));
                });
    }

    @Property(tries = 3000)
    void theLevelAloneAgreesWithTheParseOfAnEditedLine(@ForAll("editedLines") String line) {
        assertThat(LogLine.levelOf(line)).isEqualTo(LogLine.parse(line).map(LogLine::level));
    }

    @Property(tries = 500)
    void theLevelOfAWrittenLineIsItsLevel(@ForAll LogLevel level, @ForAll String message,
                                          @ForAll @Size(max = 5) Map<String, String> fields) {
        String line = LogLine.of(level, "mod", message, fields).toJson();
        assertThat(LogLine.levelOf(line)).contains(level).isEqualTo(LogLine.parse(line).map(LogLine::level));
    }

    @Property(tries = 20)
    void deeplyNestedJsonIsRejectedQuickly(@ForAll @IntRange(min = 100, max = 200_000) int depth) {
        String line = "{\"@level\":\"info\",\"@message\":\"m\",\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
        long started = System.nanoTime();
        assertThatCode(() -> LogLine.parse(line)).doesNotThrowAnyException();
        assertThatCode(() -> LogLine.levelOf(line)).doesNotThrowAnyException();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    }

    @Property(tries = 500)
    void aLogLineRoundTrips(@ForAll LogLevel level, @ForAll @Size(max = 5) Map<@AlphaChars @StringLength(min = 1, max = 10) String, String> fields,
                            @ForAll String message) {
        LogLine line = LogLine.of(level, "mod", message, fields);
        LogLine parsed = LogLine.parse(line.toJson()).orElseThrow();
        assertThat(parsed.level()).isEqualTo(level);
        assertThat(parsed.message()).isEqualTo(message);
        assertThat(parsed.fields()).containsAllEntriesOf(fields);
    }

    // ---- LineSplitter ---------------------------------------------------------------------------

    @Provide
    Arbitrary<byte[]> streams() {
        // Mostly newlines and a few characters, sometimes long runs without a newline.
        Arbitrary<Byte> b = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just((byte) '\n')),
                net.jqwik.api.Tuple.of(1, Arbitraries.just((byte) '\r')),
                net.jqwik.api.Tuple.of(10, Arbitraries.bytes()));
        return b.array(byte[].class).ofMaxSize(3000);
    }

    @Property(tries = 1000)
    void noLineIsLongerThanTheCapAndNoByteIsLost(@ForAll("streams") byte[] stream,
                                                @ForAll @IntRange(min = 1, max = 64) int max,
                                                @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1, max = 500) Integer> chunks) {
        List<byte[]> lines = new ArrayList<>();
        List<Boolean> cut = new ArrayList<>();
        // Compare bytes: the splitter passes text on, so feed ASCII-safe bytes through a Latin-1 view.
        LineSplitter splitter = new LineSplitter(max, (text, truncated) -> {
            lines.add(text.getBytes(StandardCharsets.UTF_8));
            cut.add(truncated);
        });
        byte[] ascii = new byte[stream.length];
        for (int i = 0; i < stream.length; i++) {
            ascii[i] = (byte) (stream[i] & 0x7f);
        }
        int offset = 0;
        for (int i = 0; offset < ascii.length; i = (i + 1) % chunks.size()) {
            int length = Math.min(chunks.get(i), ascii.length - offset);
            splitter.feed(ascii, offset, length);
            offset += length;
        }
        splitter.finish();

        lines.forEach(line -> assertThat(line.length).isLessThanOrEqualTo(max));
        // Rebuild the stream: a cut piece continues on the next line; a whole line ended with "\n"
        // (whose "\r" before it the splitter drops), except a last line that had no newline.
        ByteArrayOutputStream rebuilt = new ByteArrayOutputStream();
        for (int i = 0; i < lines.size(); i++) {
            rebuilt.writeBytes(lines.get(i));
            if (!cut.get(i)) {
                rebuilt.write('\n');
            }
        }
        String expected = new String(ascii, StandardCharsets.US_ASCII);
        if (!expected.endsWith("\n") && !expected.isEmpty()) {
            expected += "\n";
        }
        assertThat(rebuilt.toString(StandardCharsets.US_ASCII)).isEqualTo(expected.replace("\r\n", "\n"));
    }
}
