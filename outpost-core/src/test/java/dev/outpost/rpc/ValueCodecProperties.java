package dev.outpost.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;

/**
 * The values {@link ValueCodec} writes and reads without databind are databind's to the byte, and every
 * other form of them comes out as databind makes it: the same value, or the same failure.
 */
class ValueCodecProperties {

    private static final List<String> NOT_BASE64 = List.of("\"12\"", "\"not base64!\"", "\"NaN\"");

    @Property
    void strings(@ForAll String value) {
        asDatabind(String.class, value);
    }

    @Property
    void byteArrays(@ForAll byte[] value) {
        asDatabind(byte[].class, value);
    }

    @Property
    void booleans(@ForAll boolean value) {
        asDatabind(boolean.class, value);
        asDatabind(Boolean.class, value);
    }

    @Property
    void ints(@ForAll int value) {
        asDatabind(int.class, value);
        asDatabind(Integer.class, value);
    }

    @Property
    void longs(@ForAll long value) {
        asDatabind(long.class, value);
        asDatabind(Long.class, value);
    }

    @Property
    void doubles(@ForAll double value) {
        asDatabind(double.class, value);
        asDatabind(Double.class, value);
    }

    @Example
    void specialDoublesAndNulls() {
        for (double value : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0,
                Double.MIN_VALUE, Double.MAX_VALUE}) {
            asDatabind(double.class, value);
        }
        for (Class<?> type : List.of(String.class, byte[].class, Boolean.class, Integer.class, Long.class,
                Double.class)) {
            asDatabind(type, null);
        }
    }

    /** Forms this codec does not write: a number as a string, out of range, null for a primitive... */
    @Example
    void otherFormsAreReadAsDatabindReadsThem() {
        List<String> forms = List.of("\"12\"", "12", "12.5", "-0", "1e3", "2147483648", "-9223372036854775809",
                "99999999999999999999", "true", "false", "null", "\"\"", "\"true\"", "\"AQID\"", "\"not base64!\"",
                "\"NaN\"", "[1]", "{}");
        for (Class<?> type : List.of(String.class, byte[].class, boolean.class, Boolean.class, int.class,
                Integer.class, long.class, Long.class, double.class, Double.class)) {
            for (String form : forms) {
                if (type == byte[].class && NOT_BASE64.contains(form)) {
                    continue;
                }
                assertThat(outcome(() -> read(ValueCodec.of(type), form)))
                        .as("%s from %s", type.getSimpleName(), form)
                        .isEqualTo(outcome(() -> Codec.reader(type).readValue(form.getBytes(StandardCharsets.UTF_8))));
            }
        }
    }

    /** Fails too, in the parser's words (databind's would quote the string as empty). */
    @Example
    void aStringThatIsNotBase64FailsAsBytes() {
        for (String form : NOT_BASE64) {
            assertThat(outcome(() -> Codec.reader(byte[].class).readValue(form.getBytes(StandardCharsets.UTF_8))))
                    .asString().startsWith("tools.jackson.databind.exc.InvalidFormatException");
            assertThat(outcome(() -> read(ValueCodec.of(byte[].class), form))).asString()
                    .startsWith("tools.jackson.core.exc.StreamReadException").contains("base64");
        }
    }

    private static void asDatabind(Class<?> type, Object value) {
        ValueCodec codec = ValueCodec.of(type);
        assertThat(codec).isInstanceOf(ValueCodec.Scalar.class);
        byte[] databind = Codec.writer(type).writeValueAsBytes(value);
        assertThat(write(codec, value)).as("%s %s", type.getSimpleName(), value).isEqualTo(databind);
        assertThat(read(codec, new String(databind, StandardCharsets.UTF_8))).isEqualTo(value);
    }

    private static byte[] write(ValueCodec codec, Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator generator = Codec.FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
            codec.write(generator, value);
        }
        return out.toByteArray();
    }

    private static Object read(ValueCodec codec, String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        try (JsonParser parser = Codec.FACTORY.createParser(ObjectReadContext.empty(), bytes)) {
            parser.nextToken();
            return codec.read(parser);
        }
    }

    /** A value (bytes in hex, to compare them), or the failure's type and databind's own words. */
    private static Object outcome(Supplier<Object> read) {
        try {
            Object value = read.get();
            return value instanceof byte[] bytes ? "bytes " + HexFormat.of().formatHex(bytes) : value;
        } catch (JacksonException e) {
            return e.getClass().getName() + ": " + e.getOriginalMessage();
        }
    }
}
