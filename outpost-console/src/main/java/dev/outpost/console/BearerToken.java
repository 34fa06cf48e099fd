package dev.outpost.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/** The console's secret: 256 random bits, checked in constant time against {@code Authorization: Bearer}. */
final class BearerToken {

    private static final String SCHEME = "Bearer ";

    private final String value;
    private final byte[] bytes;

    private BearerToken(String value) {
        this.value = value;
        this.bytes = value.getBytes(StandardCharsets.US_ASCII);
    }

    static BearerToken random() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        // URL-safe, without padding: it goes in the page's address after "#token=" as it is.
        return new BearerToken(Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    String value() {
        return value;
    }

    /** Whether an {@code Authorization} header value (may be null) carries this token. */
    boolean matches(String authorization) {
        if (authorization == null || authorization.length() < SCHEME.length()
                || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        byte[] given = authorization.substring(SCHEME.length()).strip().getBytes(StandardCharsets.US_ASCII);
        // MessageDigest.isEqual takes the same time wherever the first difference is: a caller timing the
        // answers learns nothing of the token but its length, which is public (43 characters).
        return MessageDigest.isEqual(bytes, given);
    }
}
