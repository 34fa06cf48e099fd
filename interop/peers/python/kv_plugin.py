#!/usr/bin/python3
"""A go-plugin compatible gRPC plugin serving proto.KV and proto.Counter, written from
go-plugin-protocol.md.

Run by a go-plugin host (cookie BASIC_PLUGIN=hello, app protocol version 1). The generated modules
(kv_pb2*, counter_pb2*, go_plugin_pb2*, health_pb2*) come from interop/peers/build.sh and must be
on PYTHONPATH; the launcher OUT_DIR/python-kv-plugin sets that up.

proto.Counter works like go-plugin's bidirectional example plugin: every Put dials the host's
AddHelper under the broker id the host passed, calls Sum and closes the connection. The host's
broker announcements arrive on plugin.GRPCBroker/StartStream and are kept as go-plugin keeps them
(BrokerAnnouncements).

Environment read: BASIC_PLUGIN, PLUGIN_PROTOCOL_VERSIONS, PLUGIN_UNIX_SOCKET_DIR, PLUGIN_MIN_PORT,
PLUGIN_MAX_PORT, PLUGIN_CLIENT_CERT (AutoMTLS), PLUGIN_MULTIPLEX_GRPC (answered "false": no
multiplexing), KV_PLUGIN_TCP=1 to listen on 127.0.0.1 TCP instead of a Unix socket,
KV_PLUGIN_MINIMAL=1 to serve only what go-plugin's own Python example did up to v1.8.0 (health and
proto.KV: no controller, stdio or broker), and the contracts shared with the Go and Java KV plugins:
  KV_CRASH_ON=<key>  a Get of that key exits the process with status 2 mid-call;
  KV_HANG_ON=<key>   a Get of that key blocks until the call is cancelled;
  KV_PRINT=1         each Put writes "kv-print stdout: put key=<key> bytes=<n>" to the process's
                     stdout and "kv-print stderr: ..." to its stderr (there is no stdio mirroring).
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
import time
from concurrent import futures

COOKIE_KEY = "BASIC_PLUGIN"
COOKIE_VALUE = "hello"
CORE_PROTOCOL_VERSION = 1
APP_PROTOCOL_VERSIONS = [1]  # versions this plugin implements
HEALTH_SERVICE_NAME = "plugin"
MODULE = "python-kv-plugin"
BROKER_TIMEOUT = 5.0  # seconds: go-plugin's wait for an announcement, and its lifetime
CALL_TIMEOUT = 30.0  # seconds, for the AddHelper.Sum callback

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
    global grpc, kv_pb2, kv_pb2_grpc, counter_pb2, counter_pb2_grpc
    global go_plugin_pb2, go_plugin_pb2_grpc, health_pb2, health_pb2_grpc
    import grpc
    import kv_pb2
    import kv_pb2_grpc
    import counter_pb2
    import counter_pb2_grpc
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
    """Blocks a handler until its call ends (cancelled, deadline, stream closed) or the plugin stops."""
    ended = threading.Event()
    if not context.add_callback(ended.set):
        return  # call already terminated
    while not ended.wait(0.5):
        if lifecycle.stop.is_set() or not context.is_active():
            return


class BrokerAnnouncements:
    """The host's broker announcements (ConnInfo) by service id, kept as go-plugin's GRPCBroker keeps
    them: one slot per id (a second announcement while one is waiting is dropped), a dial takes the
    announcement out of its slot, and one that nobody takes is forgotten 5 s after it arrived."""

    def __init__(self):
        self._cond = threading.Condition()
        self._slots = {}  # service id -> (ConnInfo, arrival time)

    def _forget_old(self):
        now = time.monotonic()
        for service_id, (_, arrived) in list(self._slots.items()):
            if now - arrived >= BROKER_TIMEOUT:
                del self._slots[service_id]
                log("debug", "broker announcement expired", service_id=service_id)

    def add(self, info):
        with self._cond:
            self._forget_old()
            if info.service_id in self._slots:
                log("debug", "broker announcement dropped: one is already waiting",
                    service_id=info.service_id)
                return
            self._slots[info.service_id] = (info, time.monotonic())
            self._cond.notify_all()

    def take(self, service_id):
        """The announcement for service_id, waiting up to 5 s for it (go-plugin's Dial)."""
        deadline = time.monotonic() + BROKER_TIMEOUT
        with self._cond:
            while True:
                self._forget_old()
                if service_id in self._slots:
                    return self._slots.pop(service_id)[0]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("timeout waiting for connection info")
                self._cond.wait(remaining)


def broker_dial(announcements, service_id, client_tls):
    """A channel to what the host announced under service_id (go-plugin's GRPCBroker.Dial)."""
    info = announcements.take(service_id)
    if info.network == "unix":
        target = "unix:" + info.address
    elif info.network == "tcp":
        target = info.address
    else:
        raise RuntimeError("unknown address type: " + info.address)
    log("debug", "broker dial", service_id=service_id, network=info.network, address=info.address)
    if client_tls is None:
        return grpc.insecure_channel(target)
    # The host's certificate is issued to localhost, whatever the target says.
    return grpc.secure_channel(target, client_tls,
                               options=[("grpc.ssl_target_name_override", "localhost")])


def make_servicers(lifecycle, announcements, client_tls):
    crash_on = os.environ.get("KV_CRASH_ON", "")
    hang_on = os.environ.get("KV_HANG_ON", "")
    print_puts = os.environ.get("KV_PRINT") == "1"

    class KV(kv_pb2_grpc.KVServicer):
        def __init__(self):
            self._values = {}
            self._lock = threading.Lock()

        def Get(self, request, context):
            if crash_on != "" and request.key == crash_on:
                log("warn", "KV_CRASH_ON: exiting with status 2 in the middle of Get", key=request.key)
                os._exit(2)
            if hang_on != "" and request.key == hang_on:
                log("warn", "KV_HANG_ON: Get blocks until the call is cancelled", key=request.key)
                wait_until_done(context, lifecycle)
                log("info", "KV_HANG_ON: Get ended", key=request.key)
                return kv_pb2.GetResponse()
            with self._lock:
                value = self._values.get(request.key, b"")
            log("debug", "kv get", key=request.key)
            return kv_pb2.GetResponse(value=value)

        def Put(self, request, context):
            with self._lock:
                self._values[request.key] = bytes(request.value)
            log("debug", "kv put", key=request.key, bytes=len(request.value))
            if print_puts:
                for stream, name in ((sys.__stdout__, "stdout"), (_real_stderr, "stderr")):
                    stream.write("kv-print %s: put key=%s bytes=%d\n" % (name, request.key, len(request.value)))
                    stream.flush()
            return kv_pb2.Empty()

    class Counter(counter_pb2_grpc.CounterServicer):
        def __init__(self):
            self._values = {}
            # Held across read-Sum-store, so concurrent Puts never lose updates.
            self._lock = threading.Lock()

        def Get(self, request, context):
            with self._lock:
                value = self._values.get(request.key, 0)
            return counter_pb2.CounterGetResponse(value=value)

        def Put(self, request, context):
            try:
                channel = broker_dial(announcements, request.add_server, client_tls)
            except Exception as e:
                context.abort(grpc.StatusCode.UNKNOWN,
                              "dial AddHelper on broker id %d: %s" % (request.add_server, e))
            try:
                helper = counter_pb2_grpc.AddHelperStub(channel)
                with self._lock:
                    current = self._values.get(request.key, 0)
                    reply = helper.Sum(counter_pb2.SumRequest(a=current, b=request.value),
                                       timeout=CALL_TIMEOUT)
                    self._values[request.key] = reply.r
            except grpc.RpcError as e:
                context.abort(grpc.StatusCode.UNKNOWN, "AddHelper.Sum via broker id %d: %s: %s"
                              % (request.add_server, e.code().name, e.details()))
            finally:
                channel.close()
            log("debug", "counter put", key=request.key, old=current, new=reply.r)
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
            # The plugin only dials (it never announces): keep the host's announcements for the
            # Counter's dials and hold the stream open until the host closes it.
            def receive():
                try:
                    for info in request_iterator:
                        if info.HasField("knock"):
                            log("warn", "broker knock ignored: no multiplexing",
                                service_id=info.service_id)
                            continue
                        log("debug", "broker announcement", service_id=info.service_id,
                            network=info.network, address=info.address)
                        announcements.add(info)
                except Exception:  # stream ended/cancelled
                    pass

            threading.Thread(target=receive, name="broker-receive", daemon=True).start()
            wait_until_done(context, lifecycle)
            return
            yield  # pragma: no cover

    return KV(), Counter(), Health(), Controller(), Stdio(), Broker()


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
    """AutoMTLS (spec section 3): own P-521 certificate, trust exactly the host's certificate.

    Returns the server credentials, the channel credentials for broker dials (presenting the same
    certificate), and the handshake's certificate field; (None, None, "") without AutoMTLS."""
    client_cert_pem = os.environ.get("PLUGIN_CLIENT_CERT", "")
    if client_cert_pem == "":
        return None, None, ""
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
    client_tls = grpc.ssl_channel_credentials(root_certificates=client_cert_pem.encode(),
                                              private_key=key_pem, certificate_chain=cert_pem)
    cert_field = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return credentials, client_tls, cert_field.rstrip("=")


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

    credentials, client_tls, cert_field = auto_mtls_credentials()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="grpc"),
                         options=[("grpc.so_reuseport", 0),
                                  ("grpc.max_receive_message_length", 2 ** 31 - 1),
                                  ("grpc.max_send_message_length", 2 ** 31 - 1)])
    kv, counter, health, controller, stdio, broker = make_servicers(
        lifecycle, BrokerAnnouncements(), client_tls)
    kv_pb2_grpc.add_KVServicer_to_server(kv, server)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    if os.environ.get("KV_PLUGIN_MINIMAL") != "1":
        counter_pb2_grpc.add_CounterServicer_to_server(counter, server)
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
    if os.environ.get("PLUGIN_MULTIPLEX_GRPC", "") != "":
        # The host understands a 7th field: say that this plugin does not multiplex.
        if len(fields) == 5:
            fields.append("")  # no certificate
        fields.append("false")
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
