package dev.outpost.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.Greeter;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Interfaces that cannot be remoted fail when they are registered, naming the method and the type; what
 * only Jackson can find wrong fails the first call that uses it.
 */
class RemoteInterfaceTest {

    interface Overloaded {
        void set(int value);

        void set(String value);
    }

    interface TakesObject {
        void put(Object anything);
    }

    interface RawList {
        @SuppressWarnings("rawtypes")
        List all();
    }

    interface Wildcard {
        void all(List<?> values);
    }

    interface GenericMethod {
        <T> T pick(List<T> values);
    }

    interface Generic<T> {
        T get();
    }

    interface CallbackInAList {
        void listen(List<Runnable> listeners);
    }

    interface BadCallback {
        void listen(Listener listener);

        interface Listener {
            void on(Object event);
        }
    }

    interface Streams {
        void upload(InputStream data);
    }

    interface NoConstructor {
        void take(Immutable value);

        final class Immutable {
            Immutable(String only) {
            }
        }
    }

    interface MapKeys {
        void take(Map<List<String>, String> map);
    }

    interface FutureParameter {
        void take(CompletableFuture<String> later);
    }

    interface Prepared {
        Map<String, List<Integer>> sums(List<String> names);

        void reset();
    }

    interface Clashing {
        void take(Clash value);

        /** Passes the reflective checks; Jackson refuses it: two fields named "x". */
        final class Clash {
            @JsonProperty("x")
            public int first;
            @JsonProperty("x")
            public int second;
        }
    }

    private static void rejected(Class<?> type, String message) {
        assertThatThrownBy(() -> InterfacePlugin.client(type))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
        assertThatThrownBy(() -> RemoteInterface.of(type)).hasMessageContaining(message);
    }

    @Test
    void rejectsWhatCannotBeRemoted() {
        rejected(Overloaded.class, "Overloaded.set is overloaded; remote methods need unique names");
        rejected(TakesObject.class, "TakesObject.put parameter 'anything': java.lang.Object cannot be passed");
        rejected(RawList.class, "RawList.all return type: raw List; give its type arguments");
        rejected(Wildcard.class, "Wildcard.all parameter 'values': wildcard ? is not supported");
        rejected(GenericMethod.class, "GenericMethod.pick parameter 'values': type variable T cannot be resolved");
        rejected(Generic.class, "has type parameters; remote interfaces cannot be generic");
        rejected(CallbackInAList.class, "interface java.lang.Runnable can only be passed directly");
        rejected(BadCallback.class, "BadCallback.listen parameter 'listener': callback Listener.on parameter 'event'");
        rejected(Streams.class, "java.io.InputStream cannot be passed");
        rejected(NoConstructor.class, "is neither a record nor a bean with a no-argument constructor");
        rejected(MapKeys.class, "map keys must be strings, numbers, UUIDs or enums");
        rejected(FutureParameter.class, "CompletableFuture is only supported as a return type");
        rejected(String.class, "java.lang.String is not an interface");
    }

    @Test
    void theSameChecksRunOnThePluginSide() {
        assertThatThrownBy(() -> InterfacePlugin.server(TakesObject.class, anything -> { }))
                .hasMessageContaining("TakesObject.put parameter 'anything'");
    }

    @Test
    void acceptsEveryKindOfSupportedValue() {
        RemoteInterface gadget = RemoteInterface.of(Gadget.class);
        assertThat(gadget.serviceName()).isEqualTo("dev.outpost.fixtures.Gadget");
        assertThat(gadget.methods()).extracting(RemoteMethod::name).contains("add", "history", "relay", "upperLater")
                .doesNotContain("addThree");
    }

    @Test
    void registeringPreparesTheJsonCodecsOnAnotherThread() {
        InterfacePlugin.client(Prepared.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(RemoteInterface.of(Prepared.class).methods())
                .allMatch(RemoteMethod::codecsPrepared));
    }

    @Test
    void aTypeOnlyJacksonRefusesFailsItsFirstCallNamingTheParameterAndMethod() {
        RemoteMethod take = RemoteInterface.of(Clashing.class).methods().iterator().next();
        assertThatThrownBy(() -> Codec.encodeArguments(take, new Object[] {new Clashing.Clash()}, null))
                .isInstanceOf(Codec.Failure.class)
                .hasMessageContaining("cannot encode parameter 'value' of Clashing.take")
                .hasMessageContaining("\"x\"");
    }
    @Test
    void aCheckedInterfaceDoesNotKeepItsClassLoaderAlive() throws Exception {
        java.lang.ref.WeakReference<ClassLoader> loader = checkInALoaderOfItsOwn();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return loader.get() == null;
        });
    }

    private static java.lang.ref.WeakReference<ClassLoader> checkInALoaderOfItsOwn() throws Exception {
        // Loaded again by a class loader of its own, as a host that reloads plugin APIs would.
        String name = Greeter.class.getName();
        byte[] bytes;
        try (InputStream in = Greeter.class.getResourceAsStream("/" + name.replace('.', '/') + ".class")) {
            bytes = in.readAllBytes();
        }
        ClassLoader own = new ClassLoader(RemoteInterfaceTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
                return className.equals(name) ? findOwn(className) : super.loadClass(className, resolve);
            }

            private synchronized Class<?> findOwn(String className) {
                Class<?> loaded = findLoadedClass(className);
                return loaded != null ? loaded : defineClass(className, bytes, 0, bytes.length);
            }
        };
        Class<?> reloaded = own.loadClass(name);
        assertThat(reloaded).isNotSameAs(Greeter.class);
        assertThat(RemoteInterface.of(reloaded).methods()).hasSize(1);
        return new java.lang.ref.WeakReference<>(own);
    }
}
