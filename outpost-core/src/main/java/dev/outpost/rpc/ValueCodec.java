package dev.outpost.rpc;

import java.lang.reflect.Type;
import java.util.Map;
import tools.jackson.core.Base64Variants;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;

/**
 * How the values of one declared type (not a callback) are written and read.
 *
 * <p>Strings, booleans, {@code int}, {@code long}, {@code double}, their boxes and {@code byte[]} are written
 * token by token, exactly as Jackson databind writes them, and read so when they arrive in that form; any
 * other form (a number as a string, an {@code int} out of range...) goes to databind, so what is accepted,
 * and how it fails, stays databind's; only a string that is not base64, for a {@code byte[]}, fails in
 * Jackson's parser's words instead. Every other type is databind's alone. Why not databind for all:
 * building its mapper loads about 550 classes and the JDK's locale data (for its default date format), and
 * in a plugin those stay in memory: for an interface whose methods take and return only such values, 7.6 MB
 * of RSS and 30 ms of start (benchmarks/README.md).
 */
abstract sealed class ValueCodec {

    private static final Map<Class<?>, Kind> SCALARS = Map.ofEntries(
            Map.entry(String.class, Kind.STRING), Map.entry(byte[].class, Kind.BYTES),
            Map.entry(boolean.class, Kind.BOOLEAN), Map.entry(Boolean.class, Kind.BOOLEAN),
            Map.entry(int.class, Kind.INT), Map.entry(Integer.class, Kind.INT),
            Map.entry(long.class, Kind.LONG), Map.entry(Long.class, Kind.LONG),
            Map.entry(double.class, Kind.DOUBLE), Map.entry(Double.class, Kind.DOUBLE));

    private ValueCodec() {
    }

    /** The codec of {@code type}: databind's readers and writers are made here for types that need them. */
    static ValueCodec of(Type type) {
        Kind kind = type instanceof Class<?> c ? SCALARS.get(c) : null;
        return kind != null ? new Scalar(kind, (Class<?>) type) : new Databind(type);
    }

    /** Writes {@code value} (of the declared type, or null). */
    abstract void write(JsonGenerator generator, Object value);

    /** Reads the value that starts at the parser's current token. */
    abstract Object read(JsonParser parser);

    private enum Kind { STRING, BYTES, BOOLEAN, INT, LONG, DOUBLE }

    /** A value of a JDK type that JSON has a token for. */
    static final class Scalar extends ValueCodec {
        private final Kind kind;
        private final Class<?> type;
        /** Databind, for a form other than the one written here; made on first need (races only repeat work). */
        private volatile Databind fallback;

        private Scalar(Kind kind, Class<?> type) {
            this.kind = kind;
            this.type = type;
        }

        @Override
        void write(JsonGenerator generator, Object value) {
            if (value == null) {
                generator.writeNull();
                return;
            }
            switch (kind) {
                case STRING -> generator.writeString((String) value);
                case BYTES -> {
                    byte[] bytes = (byte[]) value;
                    generator.writeBinary(Base64Variants.getDefaultVariant(), bytes, 0, bytes.length);
                }
                case BOOLEAN -> generator.writeBoolean((Boolean) value);
                case INT -> generator.writeNumber((Integer) value);
                case LONG -> generator.writeNumber((Long) value);
                case DOUBLE -> generator.writeNumber((Double) value);
            }
        }

        @Override
        Object read(JsonParser parser) {
            JsonToken token = parser.currentToken();
            // A null for a primitive is databind's to accept or refuse (it refuses by default).
            if (token == JsonToken.VALUE_NULL && !type.isPrimitive()) {
                return null;
            }
            switch (kind) {
                case STRING -> {
                    if (token == JsonToken.VALUE_STRING) {
                        return parser.getString();
                    }
                }
                case BYTES -> {
                    if (token == JsonToken.VALUE_STRING) {
                        // Not base64 fails here: the parser has used the string up, databind could not read it again.
                        return parser.getBinaryValue(Base64Variants.getDefaultVariant());
                    }
                }
                case BOOLEAN -> {
                    if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
                        return token == JsonToken.VALUE_TRUE;
                    }
                }
                case INT -> {
                    if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.INT) {
                        return parser.getIntValue();
                    }
                }
                case LONG -> {
                    if (token == JsonToken.VALUE_NUMBER_INT
                            && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                        return parser.getLongValue();
                    }
                }
                case DOUBLE -> {
                    if (token == JsonToken.VALUE_NUMBER_FLOAT) {
                        return parser.getDoubleValue();
                    }
                }
            }
            return fallback().read(parser);
        }

        private Databind fallback() {
            Databind made = fallback;
            if (made == null) {
                made = new Databind(type);
                fallback = made;
            }
            return made;
        }
    }

    /** Any other value: Jackson databind with the declared generic type. */
    static final class Databind extends ValueCodec {
        private final ObjectReader reader;
        private final ObjectWriter writer;

        private Databind(Type type) {
            this.reader = Codec.reader(type);
            this.writer = Codec.writer(type);
        }

        @Override
        void write(JsonGenerator generator, Object value) {
            writer.writeValue(generator, value);
        }

        @Override
        Object read(JsonParser parser) {
            return reader.readValue(parser);
        }
    }
}
