package dev.outpost.plugin.slf4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class ThresholdTest {

    @Test
    void thePropertyWinsOverTheVariableAndInfoIsTheDefault() {
        assertThat(Threshold.configured(null, null)).isEqualTo(Threshold.DEFAULT);
        assertThat(Threshold.configured(" Debug ", "error").allows(Level.DEBUG)).isTrue();
        assertThat(Threshold.configured("", "error").allows(Level.WARN)).isFalse();
        assertThat(Threshold.configured(null, "trace").allows(Level.TRACE)).isTrue();
        assertThat(Threshold.DEFAULT.allows(Level.INFO)).isTrue();
        assertThat(Threshold.DEFAULT.allows(Level.DEBUG)).isFalse();
    }

    @Test
    void offAllowsNothingAndAnUnknownNameIsInfo() {
        assertThat(Threshold.configured("off", null).allows(Level.ERROR)).isFalse();
        assertThat(Threshold.configured("loud", null)).isEqualTo(Threshold.DEFAULT);
    }
}
