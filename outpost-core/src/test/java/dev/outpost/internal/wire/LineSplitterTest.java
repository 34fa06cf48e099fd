package dev.outpost.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {

    private final List<String> lines = new ArrayList<>();
    private final List<Boolean> cut = new ArrayList<>();

    private LineSplitter splitter(int max) {
        return new LineSplitter(max, (text, truncated) -> {
            lines.add(text);
            cut.add(truncated);
        });
    }

    private static void feed(LineSplitter splitter, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        splitter.feed(bytes, 0, bytes.length);
    }

    @Test
    void joinsPiecesAndDropsLineTerminators() {
        LineSplitter splitter = splitter(100);
        feed(splitter, "one\r\ntw");
        feed(splitter, "o\n\nthree");
        assertThat(lines).containsExactly("one", "two", "");
        splitter.finish();
        assertThat(lines).containsExactly("one", "two", "", "three");
    }

    @Test
    void cutsOverlongLinesIntoFlaggedPiecesWithoutUnboundedBuffering() {
        LineSplitter splitter = splitter(4);
        feed(splitter, "abcdefghij\nxy\n");
        assertThat(lines).containsExactly("abcd", "efgh", "ij", "xy");
        assertThat(cut).containsExactly(true, true, false, false);
    }

    @Test
    void aLineOfExactlyTheLimitIsNotCut() {
        LineSplitter splitter = splitter(4);
        feed(splitter, "abcd");
        feed(splitter, "\n");
        assertThat(lines).containsExactly("abcd");
        assertThat(cut).containsExactly(false);
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() {
        LineSplitter splitter = splitter(100);
        splitter.feed(new byte[] {'o', 'k', (byte) 0xff, (byte) 0xfe, '\n'}, 0, 5);
        assertThat(lines).containsExactly("ok\uFFFD\uFFFD");
    }
}
