package dev.outpost.manager;

/** The interface of the manager's test plugin. */
public interface Sensor {

    record Info(String id, String name, String version) {
    }

    Info info();

    String read();

    long pid();

    /** A reading of {@code characters} characters, for limits on message sizes. */
    String sample(int characters);

    void crash(int status);

    /** Told of each reading {@link #publish}ed, by the process it was published on. */
    interface ReadingListener {
        void onReading(long pid, String reading);
    }

    /** Remembered by this process only, as a plugin would. */
    void subscribe(ReadingListener listener);

    /** Tells every listener subscribed to this process {@code reading}; how many it told. */
    int publish(String reading);

    /** Does not return until its thread is interrupted (the host goes away or the call is cancelled). */
    void hang();

    /** A future the plugin never completes. */
    java.util.concurrent.CompletableFuture<String> hangLater();
}
