/**
 * Serving a plugin in the host's own JVM, over a real socket, for tests: {@link dev.outpost.inprocess.InProcess}.
 */
package dev.outpost.inprocess;
