package dev.outpost.testing.compat;

/** The plugin API of the test: one method. */
public interface Greeter {
    String greet(String name);
}
