package ${package};

/**
 * What the host asks of its plugins. Each method is a gRPC call to the plugin process; arguments and
 * results travel as JSON (records, enums, collections, java.time...), and a declared exception with a
 * (String) constructor reaches the host as itself.
 */
public interface Greeter {

    /** A greeting for {@code name}; blank names are refused. */
    String greet(String name) throws InvalidNameException;
}
