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
}
