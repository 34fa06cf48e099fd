package ${package};

/** A name the plugin will not greet. */
public class InvalidNameException extends Exception {

    private static final long serialVersionUID = 1L;

    public InvalidNameException(String message) {
        super(message);
    }
}
