package dev.outpost.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RemoteMethodTest {

    private static final byte[] JSON = "[\"benchmark-key\"]".getBytes(StandardCharsets.UTF_8);

    @Test
    void aMessageGoesIntoItsFrameInOneWriteOfKnownLength() throws IOException {
        InputStream stream = RemoteMethod.BYTES.stream(JSON);
        assertThat(stream).isInstanceOf(KnownLength.class).isInstanceOf(Drainable.class);
        assertThat(stream.available()).isEqualTo(JSON.length);
        CountingOutput target = new CountingOutput();
        assertThat(((Drainable) stream).drainTo(target)).isEqualTo(JSON.length);
        assertThat(target.toByteArray()).isEqualTo(JSON);
        assertThat(target.writes).isEqualTo(1);
        assertThat(stream.available()).isZero();
        assertThat(stream.read()).isEqualTo(-1);
    }

    @Test
    void aPartlyReadMessageDrainsTheRest() throws IOException {
        InputStream stream = RemoteMethod.BYTES.stream(JSON);
        assertThat(stream.read()).isEqualTo('[');
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        assertThat(((Drainable) stream).drainTo(target)).isEqualTo(JSON.length - 1);
        assertThat(target.toString(StandardCharsets.UTF_8)).isEqualTo("\"benchmark-key\"]");
    }

    @Test
    void aMessageIsReadWholeFromStreamsOfKnownLengthAndFromOthers() {
        assertThat(RemoteMethod.BYTES.parse(new KnownLengthStream(JSON))).isEqualTo(JSON);
        byte[] big = new byte[100_000];
        big[big.length - 1] = 7;
        assertThat(RemoteMethod.BYTES.parse(new KnownLengthStream(big))).isEqualTo(big);
        assertThat(RemoteMethod.BYTES.parse(new ByteArrayInputStream(big))).isEqualTo(big);
        assertThat(RemoteMethod.BYTES.parse(new KnownLengthStream(new byte[0]))).isEmpty();
    }

    /** Like gRPC's message streams: available() is what is left. */
    private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
        KnownLengthStream(byte[] bytes) {
            super(bytes);
        }
    }

    private static final class CountingOutput extends ByteArrayOutputStream {
        int writes;

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes++;
            super.write(b, off, len);
        }
    }
}
