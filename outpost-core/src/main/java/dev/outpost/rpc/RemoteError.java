package dev.outpost.rpc;

import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;

/**
 * An exception thrown by the implementation of a remote method, as it travels back to the caller:
 * JSON in the call's trailers under {@value #KEY_NAME}, beside a gRPC status {@code UNKNOWN}.
 *
 * @param type    the exception's class name
 * @param message its message, or null
 * @param trace   its first stack frames
 */
record RemoteError(String type, String message, List<Frame> trace) {

    static final String KEY_NAME = "outpost-error-bin";
    static final Metadata.Key<byte[]> KEY = Metadata.Key.of(KEY_NAME, Metadata.BINARY_BYTE_MARSHALLER);
    private static final int MAX_FRAMES = 64;

    /** One stack frame. */
    record Frame(String className, String method, String file, int line) {
    }

    static RemoteError of(Throwable error) {
        List<Frame> frames = new ArrayList<>();
        StackTraceElement[] stack = error.getStackTrace();
        for (int i = 0; i < Math.min(stack.length, MAX_FRAMES); i++) {
            StackTraceElement element = stack[i];
            frames.add(new Frame(element.getClassName(), element.getMethodName(), element.getFileName(),
                    element.getLineNumber()));
        }
        return new RemoteError(error.getClass().getName(), error.getMessage(), frames);
    }

    Metadata toTrailers() {
        Metadata trailers = new Metadata();
        trailers.put(KEY, Codec.mapper().writeValueAsBytes(this));
        return trailers;
    }

    /** The error carried by {@code trailers}, or null when there is none (or it is unreadable). */
    static RemoteError from(Metadata trailers) {
        byte[] bytes = trailers == null ? null : trailers.get(KEY);
        if (bytes == null) {
            return null;
        }
        try {
            RemoteError error = Codec.mapper().readValue(bytes, RemoteError.class);
            return error.type() == null ? null : error;
        } catch (JacksonException e) {
            return null;
        }
    }

    StackTraceElement[] stackTrace() {
        List<Frame> frames = trace == null ? List.of() : trace;
        StackTraceElement[] elements = new StackTraceElement[frames.size()];
        for (int i = 0; i < elements.length; i++) {
            Frame frame = frames.get(i);
            elements[i] = new StackTraceElement(String.valueOf(frame.className()), String.valueOf(frame.method()),
                    frame.file(), frame.line());
        }
        return elements;
    }
}
