package dev.outpost.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProtocolVersionsTest {

    @Test
    void formatsAscendingWithoutSpaces() {
        assertThat(ProtocolVersions.format(Set.of(6, 5))).isEqualTo("5,6");
        assertThat(ProtocolVersions.format(List.of())).isEmpty();
    }

    @Test
    void parsingSkipsAndReportsItemsThatAreNotNumbers() {
        List<String> invalid = new ArrayList<>();
        assertThat(ProtocolVersions.parse("5,x,6,", invalid::add)).containsExactly(5, 6);
        assertThat(invalid).containsExactly("x", "");
        assertThat(ProtocolVersions.parse(null, invalid::add)).isEmpty();
        assertThat(ProtocolVersions.parse("", invalid::add)).isEmpty();
    }

    @Test
    void negotiatesTheHighestCommonVersion() {
        assertThat(ProtocolVersions.negotiate(Set.of(3, 4, 5), List.of(5, 4, 6))).isEqualTo(5);
        assertThat(ProtocolVersions.negotiate(Set.of(1, 2), List.of(2))).isEqualTo(2);
    }

    @Test
    void withoutACommonVersionThePluginAnswersItsLowestSoTheHostCanSaySo() {
        assertThat(ProtocolVersions.negotiate(Set.of(3, 4), List.of(1, 2))).isEqualTo(3);
        assertThat(ProtocolVersions.negotiate(Set.of(3, 4), List.of())).isEqualTo(3);
    }

    @Test
    void aPluginWithoutVersionsIsAnError() {
        assertThatThrownBy(() -> ProtocolVersions.negotiate(Set.of(), List.of(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
