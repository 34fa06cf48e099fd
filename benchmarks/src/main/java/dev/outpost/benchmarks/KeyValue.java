package dev.outpost.benchmarks;

/**
 * The benchmarks' key/value store as a plain Java interface (interface mode): the same two calls as
 * go-plugin's {@code proto.KV}, with no .proto file and no stubs.
 */
public interface KeyValue {

    /** The value under {@code key}, or an empty array when there is none. */
    byte[] get(String key);

    void put(String key, byte[] value);
}
