/**
 * What a plugin's interface library shares with its hosts and plugins: the {@link dev.outpost.HandshakeConfig},
 * the {@link dev.outpost.CallTimeout} annotation and the exceptions a call or a start can end with.
 */
module dev.outpost.api {
    exports dev.outpost;
}
