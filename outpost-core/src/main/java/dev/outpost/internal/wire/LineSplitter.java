package dev.outpost.internal.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into text lines with a bounded buffer. A line longer than the limit is
 * passed on in pieces of at most the limit, the first ones flagged as cut, so that a plugin writing
 * without newlines can never make the host buffer without bound. Invalid UTF-8 becomes U+FFFD.
 * Not thread-safe: one splitter per stream.
 */
public final class LineSplitter {

    /** Receives each line (without its terminator) and whether it was cut because it was too long. */
    @FunctionalInterface
    public interface LineConsumer {
        void line(String text, boolean truncated);
    }

    /** go-plugin's line buffer size. */
    public static final int DEFAULT_MAX_LINE = 64 * 1024;

    private final int maxLine;
    private final LineConsumer consumer;
    private final Pending pending = new Pending();

    /** The bytes of a line not yet complete, decoded in place: a line is copied once, into its string. */
    private static final class Pending extends ByteArrayOutputStream {
        String text(boolean truncated) {
            return decode(buf, 0, count, truncated);
        }
    }

    public LineSplitter(int maxLine, LineConsumer consumer) {
        if (maxLine < 1) {
            throw new IllegalArgumentException("maxLine must be positive");
        }
        this.maxLine = maxLine;
        this.consumer = consumer;
    }

    /** A splitter with go-plugin's 64 KiB limit that ignores the cut flag. */
    public static LineSplitter lines(Consumer<String> consumer) {
        return new LineSplitter(DEFAULT_MAX_LINE, (text, truncated) -> consumer.accept(text));
    }

    /** Feeds bytes; complete lines are passed on before this returns. */
    public void feed(byte[] bytes, int offset, int length) {
        int start = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            if (bytes[i] == '\n') {
                if (pending.size() == 0 && i - start <= maxLine) {
                    consumer.line(decode(bytes, start, i - start, false), false); // the whole line is here
                } else {
                    append(bytes, start, i - start);
                    emit(false);
                }
                start = i + 1;
            }
        }
        append(bytes, start, end - start);
    }

    /** Passes on what is left after the stream ended (a last line without newline). */
    public void finish() {
        if (pending.size() > 0) {
            emit(false);
        }
    }

    private void append(byte[] bytes, int offset, int length) {
        int position = offset;
        int remaining = length;
        while (remaining > 0) {
            if (pending.size() == maxLine) {
                emit(true);
            }
            int take = Math.min(maxLine - pending.size(), remaining);
            pending.write(bytes, position, take);
            position += take;
            remaining -= take;
        }
    }

    private void emit(boolean truncated) {
        String text = pending.text(truncated);
        pending.reset();
        consumer.line(text, truncated);
    }

    /** A line's text; a whole line loses the {@code \r} of a CRLF terminator. */
    private static String decode(byte[] bytes, int offset, int length, boolean truncated) {
        int size = length;
        if (!truncated && size > 0 && bytes[offset + size - 1] == '\r') {
            size--;
        }
        return new String(bytes, offset, size, StandardCharsets.UTF_8);
    }
}
