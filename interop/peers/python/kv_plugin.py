#!/usr/bin/python3
"""A go-plugin compatible gRPC plugin serving proto.KV, written from go-plugin-protocol.md.

Run by a go-plugin host (cookie BASIC_PLUGIN=hello, app protocol version 1). The generated modules
(kv_pb2*, go_plugin_pb2*, health_pb2*) come from interop/peers/build.sh and must be on PYTHONPATH;
the launcher OUT_DIR/python-kv-plugin sets that up.

Environment read: BASIC_PLUGIN, PLUGIN_PROTOCOL_VERSIONS, PLUGIN_UNIX_SOCKET_DIR, PLUGIN_MIN_PORT,
PLUGIN_MAX_PORT, PLUGIN_CLIENT_CERT (AutoMTLS), and KV_PLUGIN_TCP=1 to listen on 127.0.0.1 TCP
instead of a Unix socket.
"""

import datetime
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from concurrent import futures

COOKIE_KEY = "BASIC_PLUGIN"
COOKIE_VALUE = "hello"
CORE_PROTOCOL_VERSION = 1
APP_PROTOCOL_VERSIONS = [1]  # versions this plugin implements
HEALTH_SERVICE_NAME = "plugin"
MODULE = "python-kv-plugin"

_real_stderr = sys.stderr
_log_lock = threading.Lock()


def log(level, message, **fields):
    """One hclog-style JSON line on the real stderr; every value is a string."""
    now = datetime.datetime.now(datetime.timezone.utc)
    record = {
        "@level": level,
        "@message": message,
        "@module": MODULE,
        "@timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),  # exactly 6 fractional digits
    }
    for key, value in fields.items():
        record[key] = str(value)
    line = json.dumps(record, sort_keys=True, separators=(",", ":"))
    with _log_lock:
        try:
            _real_stderr.write(line + "\n")
            _real_stderr.flush()
        except (OSError, ValueError):
            pass


def check_cookie():
    if os.environ.get(COOKIE_KEY) != COOKIE_VALUE:
        sys.stderr.write(
            "This binary is a plugin. These are not meant to be executed directly.\n"
            "Please execute the program that consumes these plugins, which will\n"
            "load any plugins automatically\n")
        sys.stderr.flush()
        sys.exit(1)


def negotiate_version():
    """Highest version offered by the host that we implement; else our lowest (host reports it)."""
    offered = []
    for item in os.environ.get("PLUGIN_PROTOCOL_VERSIONS", "").split(","):
        if item == "":
            continue
        try:
            offered.append(int(item))
        except ValueError:
            log("warn", "server sent invalid plugin version", version=item)
    for ours in sorted(APP_PROTOCOL_VERSIONS, reverse=True):
        if ours in offered:
            return ours
    chosen = min(APP_PROTOCOL_VERSIONS)
    log("warn", "no common protocol version with the host, answering our lowest",
        offered=",".join(str(v) for v in offered), answered=chosen)
    return chosen


# Imports that need the generated modules come after the cookie check, so running the script by
# hand gives the friendly message even without PYTHONPATH.
def load_modules():
    global grpc, kv_pb2, kv_pb2_grpc, go_plugin_pb2, go_plugin_pb2_grpc, health_pb2, health_pb2_grpc
    import grpc
    import kv_pb2
    import kv_pb2_grpc
    import go_plugin_pb2
    import go_plugin_pb2_grpc
    import health_pb2
    import health_pb2_grpc


class Lifecycle:
    """Shared stop signal: Shutdown RPC, SIGTERM or loss of the parent process."""

    def __init__(self):
        self.stop = threading.Event()
        self.reason = None
        self._lock = threading.Lock()

    def request_stop(self, reason):
        with self._lock:
            if self.reason is None:
                self.reason = reason
        self.stop.set()


def wait_until_done(context, lifecycle):
    """Blocks a streaming handler until the call ends or the plugin stops."""
    ended = threading.Event()
    if not context.add_callback(ended.set):
        return  # call already terminated
    while not ended.wait(0.5):
        if lifecycle.stop.is_set() or not context.is_active():
            return


def make_servicers(lifecycle):
    class KV(kv_pb2_grpc.KVServicer):
        def __init__(self):
            self._values = {}
            self._lock = threading.Lock()

        def Get(self, request, context):
            with self._lock:
                value = self._values.get(request.key, b"")
            log("debug", "kv get", key=request.key)
            return kv_pb2.GetResponse(value=value)

        def Put(self, request, context):
            with self._lock:
                self._values[request.key] = bytes(request.value)
            log("debug", "kv put", key=request.key, bytes=len(request.value))
            return kv_pb2.Empty()

    class Health(health_pb2_grpc.HealthServicer):
        def Check(self, request, context):
            if request.service in ("", HEALTH_SERVICE_NAME):
                return health_pb2.HealthCheckResponse(
                    status=health_pb2.HealthCheckResponse.SERVING)
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")

    class Controller(go_plugin_pb2_grpc.GRPCControllerServicer):
        def Shutdown(self, request, context):
            log("debug", "shutdown requested by the host")
            # The main thread stops the server once this response is on its way.
            lifecycle.request_stop("shutdown")
            return go_plugin_pb2.Empty()

    class Stdio(go_plugin_pb2_grpc.GRPCStdioServicer):
        def StreamStdio(self, request, context):
            # Nothing is mirrored: hold the stream open until the host cancels it.
            wait_until_done(context, lifecycle)
            return
            yield  # pragma: no cover (makes this a generator)

    class Broker(go_plugin_pb2_grpc.GRPCBrokerServicer):
        def StartStream(self, request_iterator, context):
            # This plugin neither offers nor dials brokered services: drain the host's
            # announcements and keep the stream open until the host closes it.
            def drain():
                try:
                    for info in request_iterator:
                        log("debug", "broker announcement ignored",
                            service_id=info.service_id, network=info.network,
                            address=info.address)
                except Exception:  # stream ended/cancelled
                    pass

            threading.Thread(target=drain, name="broker-drain", daemon=True).start()
            wait_until_done(context, lifecycle)
            return
            yield  # pragma: no cover

    return KV(), Health(), Controller(), Stdio(), Broker()


def port_range():
    def read(name):
        raw = os.environ.get(name, "")
        if raw == "":
            return 0
        try:
            return int(raw)
        except ValueError:
            raise RuntimeError("couldn't get value from %s: %r" % (name, raw))

    lo, hi = read("PLUGIN_MIN_PORT"), read("PLUGIN_MAX_PORT")
    if lo > hi:
        raise RuntimeError("PLUGIN_MIN_PORT value of %d is greater than PLUGIN_MAX_PORT value of %d"
                           % (lo, hi))
    return lo, hi


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def add_port(server, address, credentials):
    try:
        if credentials is None:
            return server.add_insecure_port(address)
        return server.add_secure_port(address, credentials)
    except RuntimeError:
        return 0


def auto_mtls_credentials():
    """AutoMTLS (spec section 3): own P-521 certificate, trust exactly the host's certificate."""
    client_cert_pem = os.environ.get("PLUGIN_CLIENT_CERT", "")
    if client_cert_pem == "":
        return None, ""
    import base64
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    log("info", "configuring server automatic mTLS")
    key = ec.generate_private_key(ec.SECP521R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(seconds=30))
            .not_valid_after(now + datetime.timedelta(hours=262980))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=True, data_encipherment=False,
                                         key_agreement=True, key_cert_sign=True, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH,
                                                  ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA512()))
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)],
                                              root_certificates=client_cert_pem.encode(),
                                              require_client_auth=True)
    cert_field = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return credentials, cert_field.rstrip("=")


def main():
    check_cookie()
    version = negotiate_version()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the user's Ctrl-C is for the host
    load_modules()

    lifecycle = Lifecycle()
    signal.signal(signal.SIGTERM, lambda signum, frame: lifecycle.request_stop("SIGTERM"))
    parent = os.getppid()
    log("info", "python kv plugin starting", pid=os.getpid(), parent=parent,
        protocol_version=version)

    credentials, cert_field = auto_mtls_credentials()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="grpc"),
                         options=[("grpc.so_reuseport", 0),
                                  ("grpc.max_receive_message_length", 2 ** 31 - 1),
                                  ("grpc.max_send_message_length", 2 ** 31 - 1)])
    kv, health, controller, stdio, broker = make_servicers(lifecycle)
    kv_pb2_grpc.add_KVServicer_to_server(kv, server)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    go_plugin_pb2_grpc.add_GRPCControllerServicer_to_server(controller, server)
    go_plugin_pb2_grpc.add_GRPCStdioServicer_to_server(stdio, server)
    go_plugin_pb2_grpc.add_GRPCBrokerServicer_to_server(broker, server)

    temp_dir = None
    socket_path = None

    def cleanup():
        if socket_path is not None:
            try:
                os.unlink(socket_path)
            except FileNotFoundError:
                pass
            except OSError as e:
                log("warn", "could not remove socket", path=socket_path, error=e)
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)

    try:
        if os.environ.get("KV_PLUGIN_TCP") == "1":
            network = "tcp"
            lo, hi = port_range()
            address = None
            for port in range(lo, hi + 1):
                if port != 0 and not port_is_free(port):
                    continue
                bound = add_port(server, "127.0.0.1:%d" % port, credentials)
                if bound:
                    address = "127.0.0.1:%d" % bound
                    break
            if address is None:
                raise RuntimeError("couldn't bind plugin TCP listener")
        else:
            network = "unix"
            base = os.environ.get("PLUGIN_UNIX_SOCKET_DIR") or None
            temp_dir = tempfile.mkdtemp(prefix="kvpy", dir=base)  # mode 0700
            os.chmod(temp_dir, 0o700)
            socket_path = os.path.join(temp_dir, "plugin.sock")
            if not add_port(server, "unix:" + socket_path, credentials):
                raise RuntimeError("couldn't bind plugin unix socket " + socket_path)
            address = socket_path
        server.start()
    except Exception as e:
        log("error", "plugin init error", error=e)
        cleanup()
        sys.exit(1)

    log("debug", "plugin address", network=network, address=address)
    fields = [str(CORE_PROTOCOL_VERSION), str(version), network, address, "grpc"]
    if cert_field:
        fields.append(cert_field)
    sys.stdout.write("|".join(fields) + "\n")
    sys.stdout.flush()
    # Anything printed later would be drained and dropped by the host: send it to stderr instead.
    sys.stdout = sys.stderr

    def watch_parent():
        while not lifecycle.stop.wait(0.5):
            if os.getppid() != parent:
                lifecycle.request_stop("parent process %d is gone" % parent)
                return

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()

    # Wake up regularly so that signal handlers run on the main thread.
    while not lifecycle.stop.wait(0.5):
        pass

    log("info", "python kv plugin stopping", reason=lifecycle.reason)
    # Short grace: lets the Shutdown response go out, then cancels the broker/stdio streams.
    server.stop(0.3).wait(2)
    cleanup()
    log("debug", "python kv plugin exited")
    _real_stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
