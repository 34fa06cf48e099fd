package dev.outpost.internal.grpc;

import dev.outpost.TlsFiles;
import dev.outpost.internal.wire.AutoMtls;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2SecurityUtil;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS side of go-plugin's AutoMTLS for gRPC: present this process's certificate, require the
 * peer's, and trust exactly the one certificate the peer announced (pinning), in both roles. Every
 * connection between host and plugin, main and brokered, uses one of these two contexts.
 *
 * <p>A remote plugin's connection uses the other kind, {@link #fromFiles}: the operator's certificates,
 * the peer verified against the operator's certificate authorities, and the plugin's certificate also
 * against the name the host dials.
 */
public final class MutualTls {

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final ApplicationProtocolConfig ALPN_H2 = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN, ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2);

    private final X509Certificate peer;
    private final SslContext client;
    private final SslContext server;
    private final String serverName;

    private MutualTls(X509Certificate peer, SslContext client, SslContext server, String serverName) {
        this.peer = peer;
        this.client = client;
        this.server = server;
        this.serverName = serverName;
    }

    /**
     * Contexts for {@code own} talking to the holder of {@code peer}.
     *
     * @param own     this process's key and certificate
     * @param peer    the only certificate the other side may present
     * @param peerRole how the peer is named in errors ("plugin 'kv'", "host")
     */
    public static MutualTls of(AutoMtls.Identity own, X509Certificate peer, String peerRole) {
        Objects.requireNonNull(own, "own");
        Objects.requireNonNull(peer, "peer");
        PinnedTrust trust = new PinnedTrust(peer, peerRole);
        try {
            return contexts(own.privateKey(), new X509Certificate[] {own.certificate()}, trust, peer,
                    AutoMtls.SERVER_NAME);
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up mutual TLS: " + e.getMessage(), e);
        }
    }

    /**
     * Contexts from the operator's PEM files: present {@code files}' certificate (and its chain), and
     * accept a peer whose certificate chains to one of {@code files}' certificate authorities. As a
     * client, the peer's certificate must also name {@code serverName} (a DNS name or an IP address in
     * its subject alternative names): gRPC checks it against the channel's authority.
     *
     * @throws IllegalArgumentException naming the file, when one holds no usable certificate or key, or
     *                                  when the key is not the certificate's
     */
    public static MutualTls fromFiles(TlsFiles files, String serverName) {
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(serverName, "serverName");
        List<X509Certificate> authorities = PemFiles.certificates(files.ca(), "ca");
        X509Certificate[] chain = PemFiles.certificates(files.certificate(), "certificate")
                .toArray(X509Certificate[]::new);
        PrivateKey key = PemFiles.privateKey(files.key());
        PemFiles.checkPair(key, chain[0], files.key(), files.certificate());
        TrustManager trust;
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("ca-" + i, authorities.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            trust = factory.getTrustManagers()[0];
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("TLS ca file " + files.ca() + " cannot be used: " + e.getMessage(), e);
        }
        try {
            return contexts(key, chain, trust, null, serverName);
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS key file " + files.key() + " and certificate file "
                    + files.certificate() + " cannot be used together: " + e.getMessage(), e);
        }
    }

    /**
     * Both roles' contexts: present {@code key} with {@code chain}, require the peer's certificate and
     * accept what {@code trust} accepts. The JDK provider: ALPN h2 is built into Java 17, and it verifies
     * P-521 signatures, which BoringSSL's defaults do not offer.
     *
     * <p>One {@link SSLContext} of the JDK's, wrapped for each role, rather than Netty's context builder,
     * whose server context's class initialiser builds a trial context from a built-in RSA key: through
     * Bouncy Castle's provider when it is on the class path, as it is here (about 300 classes, and a
     * primality test of the key), with a PKCS #12 key store and 10,000 rounds of PBKDF2 each way; and the
     * builder stores our key the same way for each role. In a plugin's fresh JVM that was most of an
     * AutoMTLS start.
     */
    private static MutualTls contexts(PrivateKey key, X509Certificate[] chain, TrustManager trust,
                                      X509Certificate peer, String serverName) throws SSLException {
        SSLContext tls;
        try {
            tls = SSLContext.getInstance("TLS");
            tls.init(new KeyManager[] {keyManager(key, chain)}, new TrustManager[] {trust}, null);
        } catch (GeneralSecurityException | IOException e) {
            throw new SSLException("cannot set up TLS with this key and certificate: " + e.getMessage(), e);
        }
        return new MutualTls(peer, role(tls, true, ClientAuth.NONE), role(tls, false, ClientAuth.REQUIRE), serverName);
    }

    /** gRPC's settings (GrpcSslContexts): HTTP/2's cipher suites, ALPN with h2 only. */
    private static SslContext role(SSLContext tls, boolean client, ClientAuth auth) {
        return new JdkSslContext(tls, client, Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE, ALPN_H2,
                auth, PROTOCOLS.clone(), false);
    }

    /**
     * The JDK's key manager over a store that holds only our key. A JKS store protects the key cheaply;
     * the JDK's default type (PKCS #12) would run PBKDF2 to store it and again to read it, for a store
     * that never leaves memory.
     */
    private static KeyManager keyManager(PrivateKey key, X509Certificate[] chain)
            throws GeneralSecurityException, IOException {
        char[] password = "in-memory".toCharArray();
        KeyStore store = KeyStore.getInstance("JKS");
        store.load(null, null);
        store.setKeyEntry("key", key, password, chain);
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return factory.getKeyManagers()[0];
    }

    /**
     * The name the client side dials: the authority of its channels, which a certificate from
     * {@link #fromFiles} must name; {@code localhost} under AutoMTLS.
     */
    public String serverName() {
        return serverName;
    }

    /** The certificate the peer must present under AutoMTLS; null with {@link #fromFiles}. */
    public X509Certificate peerCertificate() {
        return peer;
    }

    /** For dialling the peer: presents our certificate, accepts only the peer's. */
    public SslContext clientContext() {
        return client;
    }

    /** For serving the peer: presents our certificate, requires the peer's and nothing else. */
    public SslContext serverContext() {
        return server;
    }

    /**
     * Accepts a chain only when its leaf is exactly the pinned certificate (byte for byte) and is
     * within its validity period. Host names do not matter: no other certificate can pass.
     */
    private static final class PinnedTrust extends X509ExtendedTrustManager {
        private final X509Certificate pinned;
        private final byte[] pinnedDer;
        private final String peerRole;

        PinnedTrust(X509Certificate pinned, String peerRole) {
            this.pinned = pinned;
            this.peerRole = peerRole;
            try {
                this.pinnedDer = pinned.getEncoded();
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalArgumentException("cannot encode the peer certificate", e);
            }
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException(peerRole + " presented no certificate");
            }
            if (!Arrays.equals(chain[0].getEncoded(), pinnedDer)) {
                throw new CertificateException(peerRole + " presented a certificate (" + chain[0].getSubjectX500Principal()
                        + ", serial " + chain[0].getSerialNumber().toString(16) + ") that is not the one announced for "
                        + "AutoMTLS (serial " + pinned.getSerialNumber().toString(16) + ")");
            }
            chain[0].checkValidity();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[] {pinned};
        }
    }
}
