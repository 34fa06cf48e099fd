package dev.outpost.rpc;

import dev.outpost.CodecException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.PluginCallException;
import dev.outpost.PluginTimeoutException;
import dev.outpost.PluginUnavailableException;
import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.Gadget.Bean;
import dev.outpost.fixtures.Gadget.Mode;
import dev.outpost.fixtures.Gadget.Reading;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A plain Java interface served by a real plugin process: every type category, error, deadline and callback. */
@ExtendWith(LeakCheck.class)
class InterfaceRemotingTest {

    private static PluginClient plugin;
    private static Gadget gadget;

    static ClientConfig.Builder config() {
        return ClientConfig.builder().name("gadget").handshake(GadgetPlugin.HANDSHAKE)
                .command(TestJvm.of(GadgetPlugin.class))
                .plugin("gadget", Gadget.class);
    }

    @BeforeAll
    static void start() {
        plugin = PluginClient.start(config().build());
        gadget = plugin.dispense("gadget", Gadget.class);
    }

    @AfterAll
    static void stop() {
        plugin.close();
    }

    @Test
    void primitivesAndBoxes() {
        assertThat(gadget.add(40, 2)).isEqualTo(42);
        assertThat(gadget.boxed(41L)).isEqualTo(42L);
        assertThat(gadget.boxed(null)).isNull();
        assertThat(gadget.average(new double[] {1, 2, 3, 6})).isEqualTo(3.0);
        assertThat(gadget.next('a')).isEqualTo('b');
        assertThat(gadget.not(false)).isTrue();
    }

    @Test
    void stringsBytesEnumsAndNumbers() {
        assertThat(gadget.greet("Ünïcødé ✓")).isEqualTo("hello, Ünïcødé ✓");
        assertThat(gadget.reverse(new byte[] {1, 2, (byte) 255})).containsExactly((byte) 255, 2, 1);
        assertThat(gadget.toggle(Mode.ON)).isEqualTo(Mode.OFF);
        assertThat(gadget.half(new BigDecimal("3.000000000000000000001"))).isEqualTo(new BigDecimal("1.5000000000000000000005"));
        UUID id = UUID.randomUUID();
        assertThat(gadget.same(id)).isEqualTo(id);
    }

    @Test
    void recordsAndBeans() {
        Instant at = Instant.parse("2026-11-25T10:15:30.123456789Z");
        Reading reading = gadget.read(new Reading("kitchen", 21.5, at, List.of("a", "b"), Map.of("x", 1)));
        assertThat(reading).isEqualTo(new Reading("KITCHEN", 43.0, at.plusSeconds(1), List.of("a", "b"), Map.of("x", 1)));
        Bean bean = gadget.update(new Bean("lamp", 4));
        assertThat(bean.getName()).isEqualTo("lamp!");
        assertThat(bean.getLevel()).isEqualTo(5);
    }

    @Test
    void genericCollectionsAndOptional() {
        List<Reading> history = gadget.history(Set.of("b", "aa"));
        assertThat(history).extracting(Reading::sensor).containsExactly("aa", "b");
        assertThat(history.get(0).counts()).isEqualTo(Map.of("aa", 1));
        assertThat(gadget.group(Map.of(Mode.ON, 3, Mode.AUTO, 1)))
                .isEqualTo(Map.of("auto", List.of(1, 2), "on", List.of(3, 6)));
        assertThat(gadget.find("known")).contains("found");
        assertThat(gadget.find("unknown")).isEqualTo(Optional.empty());
    }

    @Test
    void javaTimeValues() {
        assertThat(gadget.later(Instant.EPOCH, Duration.ofMinutes(90))).isEqualTo(Instant.EPOCH.plusSeconds(5400));
        assertThat(gadget.nextDay(LocalDate.of(2024, 2, 28))).isEqualTo(LocalDate.of(2024, 2, 29));
    }

    @Test
    void voidNullsAndDefaultMethods() {
        gadget.remember("one");
        gadget.remember(null);
        assertThat(gadget.remembered()).containsExactly("one", null);
        assertThat(gadget.nothing("x")).isNull();
        assertThat(gadget.addThree(1, 2, 3)).isEqualTo(6);
        assertThat(gadget.toString()).isEqualTo("Gadget of plugin 'gadget'");
    }

    @Test
    void asyncCallsCompleteWithoutBlockingTheCaller() throws Exception {
        long started = System.nanoTime();
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(gadget.upperLater("call " + i, 300));
        }
        // Twenty calls of 300 ms each were issued without waiting for one another.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(300));
        for (int i = 0; i < 20; i++) {
            assertThat(calls.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("CALL " + i);
        }
        assertThatThrownBy(() -> gadget.failLater("async boom").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(PluginCallException.class)
                .hasMessage("plugin 'gadget': Gadget.failLater failed with java.lang.IllegalArgumentException: async boom");
    }

    @Test
    void aRemoteExceptionCarriesTheRemoteTypeMessageAndTrace() {
        assertThatThrownBy(() -> gadget.failState("bad state"))
                .isInstanceOfSatisfying(PluginCallException.class, e -> {
                    assertThat(e.remoteType()).isEqualTo("java.lang.IllegalStateException");
                    assertThat(e.remoteMessage()).isEqualTo("bad state");
                    assertThat(e.getMessage())
                            .isEqualTo("plugin 'gadget': Gadget.failState failed with java.lang.IllegalStateException: bad state");
                    assertThat(e.getStackTrace()[0].getClassName()).isEqualTo(GadgetPlugin.class.getName());
                    assertThat(e.getStackTrace()[0].getMethodName()).isEqualTo("failState");
                    assertThat(e.pluginName()).isEqualTo("gadget");
                });
    }

    @Test
    void aDeclaredExceptionIsRebuiltWithTheRemoteTraceAsCause() {
        assertThatThrownBy(() -> gadget.failChecked("no such device"))
                .isInstanceOf(Gadget.GadgetException.class)
                .hasMessage("no such device")
                .cause().isInstanceOf(PluginCallException.class)
                .satisfies(cause -> assertThat(cause.getStackTrace()[0].getMethodName()).isEqualTo("failChecked"));
    }

    @Test
    void aCallPastItsDeadlineTimesOutAndInterruptsTheImplementation() {
        assertThatThrownBy(() -> gadget.sleep(30_000))
                .isInstanceOf(PluginTimeoutException.class)
                .hasMessageContaining("plugin 'gadget': Gadget.sleep did not complete in time");
        await().atMost(Duration.ofSeconds(5)).until(gadget::lastSleepInterrupted);
        assertThat(gadget.sleep(1)).isEqualTo("rested");
    }

    @Test
    void theClientsDefaultDeadlineAppliesToMethodsWithoutTheirOwn() {
        try (PluginClient quick = PluginClient.start(config().callTimeout(Duration.ofMillis(200)).build())) {
            Gadget impatient = quick.dispense("gadget", Gadget.class);
            assertThatThrownBy(() -> impatient.upperLater("x", 5_000).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(PluginTimeoutException.class);
        }
    }

    @Test
    void aCrashInACallIsUnavailableNotARemoteException() {
        try (PluginClient doomed = PluginClient.start(config().build())) {
            Gadget gadget = doomed.dispense("gadget", Gadget.class);
            assertThatThrownBy(() -> gadget.crash(9))
                    .isInstanceOf(PluginUnavailableException.class)
                    .isNotInstanceOf(PluginCallException.class)
                    .hasMessageContaining("exited with status 9 during dev.outpost.fixtures.Gadget/crash");
            assertThat(doomed.exited()).isTrue();
        }
    }

    @Test
    void callbacksPassedAsArgumentsAreCalledBack() {
        List<String> events = new CopyOnWriteArrayList<>();
        Gadget.Listener listener = events::add;
        gadget.subscribe(listener);
        gadget.subscribe(listener); // the same object is served once
        assertThat(gadget.fire("door open")).isEqualTo(2);
        assertThat(events).containsExactly("door open", "door open");
    }

    @Test
    void interfacesReturnedByThePluginAreCallable() {
        Gadget.Listener remote = gadget.listener();
        remote.onEvent("first");
        remote.onEvent("second");
        assertThat(gadget.heard()).isEqualTo("first;second;");
    }

    @Test
    void nestedCallbacksGoBackAndForth() {
        Gadget.Relay host = new Gadget.HostRelay();
        assertThat(gadget.relay("x", 3, host)).isEqualTo("x|plugin|host|plugin|host");
    }

    @Test
    void codecFailuresNameTheMethodAndParameter() {
        Bean bad = new Bean("bad", 1);
        bad.explode();
        assertThatThrownBy(() -> gadget.update(bad))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("plugin 'gadget': cannot encode parameter 'bean' of Gadget.update")
                .hasMessageContaining("this bean refuses to be serialized");

        MethodDescriptor<byte[], byte[]> add = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(Gadget.class.getName() + "/add")
                .setRequestMarshaller(RemoteMethod.BYTES).setResponseMarshaller(RemoteMethod.BYTES).build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(plugin.channel(), add, CallOptions.DEFAULT,
                "[\"not a number\", 2]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).startsWith("cannot decode parameter 'a' of Gadget.add");
                });
    }
}
