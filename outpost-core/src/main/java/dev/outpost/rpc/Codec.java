package dev.outpost.rpc;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Type;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Arguments and results as JSON (Jackson, no default typing, no Java serialization): the arguments
 * of a call are a JSON array, a result is one JSON value, both read and written with the method's
 * declared generic types. A callback travels as the broker id of the server that stands for it.
 */
final class Codec {

    /** Writes and reads the tokens; {@link ValueCodec} chooses per type whether databind is needed. */
    static final JsonFactory FACTORY = new JsonFactory();

    /** Jackson databind, built on first use: a plugin whose interface does not need it never loads it. */
    private static final class Databind {
        /**
         * Unknown properties are ignored so that host and plugin can add fields independently. Values are
         * read one after another from one parser, so trailing tokens are checked here, not by Jackson.
         */
        static final JsonMapper JSON = JsonMapper.builder(FACTORY)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    /** Turns a callback into a broker id (export) or a broker id into a proxy (import). */
    interface Callbacks {
        int export(Object target, Class<?> type);

        Object importRef(int id, Class<?> type);
    }

    /** A value that cannot be encoded or decoded; the message names the method and the value. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Codec() {
    }

    /** The mapper, for what is not a parameter or a result (a remote error). */
    static JsonMapper mapper() {
        return Databind.JSON;
    }

    static ObjectReader reader(Type type) {
        return Databind.JSON.readerFor(Databind.JSON.constructType(type));
    }

    static ObjectWriter writer(Type type) {
        return Databind.JSON.writerFor(Databind.JSON.constructType(type));
    }

    static byte[] encodeArguments(RemoteMethod method, Object[] args, Callbacks callbacks) {
        Object[] values = args == null ? new Object[0] : args;
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        int index = 0;
        try (JsonGenerator generator = FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
            generator.writeStartArray();
            for (; index < values.length; index++) {
                writeValue(generator, method.parameterTypes()[index], method.parameterCodec(index), values[index],
                        callbacks);
            }
            generator.writeEndArray();
        } catch (JacksonException | IllegalArgumentException e) {
            throw new Failure("cannot encode parameter '" + method.parameterName(index) + "' of "
                    + method.displayName() + ": " + message(e), e);
        }
        return out.toByteArray();
    }

    static Object[] decodeArguments(RemoteMethod method, byte[] bytes, Callbacks callbacks) {
        int count = method.parameterTypes().length;
        Object[] values = new Object[count];
        int index = 0;
        try (JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), bytes)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new Failure("arguments of " + method.displayName() + " are not a JSON array", null);
            }
            for (; index < count; index++) {
                if (parser.nextToken() == JsonToken.END_ARRAY) {
                    throw new Failure(method.displayName() + " takes " + count + " arguments, the call has " + index,
                            null);
                }
                values[index] = readValue(parser, method.parameterTypes()[index], method.parameterCodec(index),
                        callbacks);
            }
            if (parser.nextToken() != JsonToken.END_ARRAY) {
                throw new Failure(method.displayName() + " takes " + count + " arguments, the call has more", null);
            }
        } catch (JacksonException | IllegalArgumentException e) {
            throw new Failure("cannot decode parameter '" + method.parameterName(index) + "' of "
                    + method.displayName() + ": " + message(e), e);
        }
        return values;
    }

    static byte[] encodeResult(RemoteMethod method, Object value, Callbacks callbacks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator generator = FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
            if (method.resultType() == void.class) {
                generator.writeNull();
            } else {
                writeValue(generator, method.resultType(), method.resultCodec(), value, callbacks);
            }
        } catch (JacksonException | IllegalArgumentException e) {
            throw new Failure("cannot encode the result of " + method.displayName() + ": " + message(e), e);
        }
        return out.toByteArray();
    }

    static Object decodeResult(RemoteMethod method, byte[] bytes, Callbacks callbacks) {
        if (method.resultType() == void.class) {
            return null;
        }
        try (JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), bytes)) {
            parser.nextToken();
            Object value = readValue(parser, method.resultType(), method.resultCodec(), callbacks);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("unexpected data after the value");
            }
            return value;
        } catch (JacksonException | IllegalArgumentException e) {
            throw new Failure("cannot decode the result of " + method.displayName() + ": " + message(e), e);
        }
    }

    private static String message(RuntimeException e) {
        return e instanceof JacksonException jackson ? jackson.getOriginalMessage() : e.getMessage();
    }

    private static void writeValue(JsonGenerator generator, Type type, ValueCodec codec, Object value,
                                   Callbacks callbacks) {
        if (RemoteMethod.isCallback(type)) {
            if (value == null) {
                generator.writeNull();
            } else {
                generator.writeNumber(callbacks.export(value, (Class<?>) type));
            }
        } else {
            codec.write(generator, value);
        }
    }

    private static Object readValue(JsonParser parser, Type type, ValueCodec codec, Callbacks callbacks) {
        if (RemoteMethod.isCallback(type)) {
            if (parser.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw new IllegalArgumentException("expected a callback's broker id, got " + parser.currentToken());
            }
            return callbacks.importRef(parser.getIntValue(), (Class<?>) type);
        }
        return codec.read(parser);
    }
}
