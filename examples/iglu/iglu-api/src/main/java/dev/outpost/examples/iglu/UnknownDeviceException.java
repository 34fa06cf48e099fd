package dev.outpost.examples.iglu;

/** A device id the plugin does not know. Rebuilt on the host side from the plugin's exception. */
public class UnknownDeviceException extends Exception {
    private static final long serialVersionUID = 1L;

    public UnknownDeviceException(String message) {
        super(message);
    }
}
