package dev.outpost.manager;

/** The interface of the manager's test plugin. */
public interface Sensor {

    record Info(String id, String name, String version) {
    }

    Info info();

    String read();

    long pid();

    void crash(int status);
}
