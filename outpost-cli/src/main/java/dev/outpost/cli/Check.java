package dev.outpost.cli;

/**
 * One line of a conformance report.
 *
 * @param name     what was checked
 * @param status   the outcome
 * @param required whether a failure makes the plugin non-conforming
 * @param detail   what was seen, or why it failed
 */
record Check(String name, Status status, boolean required, String detail) {

    enum Status { PASS, FAIL, WARN, SKIP }

    static Check pass(String name, boolean required, String detail) {
        return new Check(name, Status.PASS, required, detail);
    }

    static Check fail(String name, boolean required, String detail) {
        return new Check(name, required ? Status.FAIL : Status.WARN, required, detail);
    }

    static Check skip(String name, boolean required, String detail) {
        return new Check(name, Status.SKIP, required, detail);
    }

    boolean blocking() {
        return required && status != Status.PASS;
    }
}
