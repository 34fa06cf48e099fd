package dev.outpost.examples.iglu.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.examples.iglu.amazing.AmazingPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.TestJvm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class IgluHostTest {

    @Test
    void loadsTheAmazingPluginPrintsItsManifestAndDrivesADevice() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = IgluHost.run(TestJvm.of(AmazingPlugin.class), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as(out).isZero();
        assertThat(out)
                .contains("Iglu: loaded PluginManifest[id=amazing, name=Amazing Plugin, author=Someone Amazing, version=v0.1.0]")
                .containsPattern("  hall-light +LIGHT +off")
                .containsPattern("  thermostat +THERMOSTAT +on at 20.5")
                .contains("  hall-light is now on\n  event from amazing: hall-light is now on\n")
                .contains("  refused: no device 'garage' in plugin amazing (it has [desk-lamp, hall-light, thermostat])")
                .contains("Iglu: plugin amazing stopped (exited with status 0)");
    }
}
