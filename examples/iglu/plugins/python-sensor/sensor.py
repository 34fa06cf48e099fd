#!/usr/bin/python3
"""Iglu device plugin in Python: two sensors, served over go-plugin's gRPC protocol.

No generated code: every service is a grpc generic handler without (de)serializers, so handlers
receive and return raw bytes. Iglu's interface dev.outpost.examples.iglu.Iglu travels in Outpost's
"interface mode": request = UTF-8 JSON array of the arguments, response = one JSON value. The few
protobuf messages of go-plugin's own services (health, broker) are read and written by hand.

Run by an Iglu host (cookie IGLU_PLUGIN, protocol version 1) with /usr/bin/python3, which has grpc.
"""

import datetime
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

COOKIE_KEY, COOKIE_VALUE = "IGLU_PLUGIN", "MzlK0OGpIRs"
APP_PROTOCOL_VERSION = 1
MANIFEST = {"id": "python-sensor", "name": "Python Sensor", "author": "Iglu Python team",
            "version": "0.3.0"}
IGLU = "dev.outpost.examples.iglu.Iglu"
ON_EVENT = "/dev.outpost.examples.iglu.DeviceListener/onEvent"
UNKNOWN_DEVICE = "dev.outpost.examples.iglu.UnknownDeviceException"

_stderr = sys.stderr
_log_lock = threading.Lock()


def log(severity, message, **fields):
    """One go-plugin (hclog) JSON line on stderr; @timestamp with exactly 6 fractional digits."""
    now = datetime.datetime.now(datetime.timezone.utc)
    record = {"@level": severity, "@message": message, "@module": "python-sensor",
              "@timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    record.update({key: value if isinstance(value, str) else json.dumps(value, default=str)
                   for key, value in fields.items()})  # fields as strings, JSON-spelled
    with _log_lock:
        try:
            _stderr.write(json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n")
            _stderr.flush()
        except (OSError, ValueError):
            pass


def instant():
    """An ISO-8601 instant as java.time.Instant reads it."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


# ---- a tiny protobuf reader for the two go-plugin messages this plugin reads ----------------------

def _varint(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def proto_fields(data):
    """{field number: value} for varint (int) and length-delimited (bytes) fields; others skipped."""
    fields, pos = {}, 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            fields[number], pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            fields[number], pos = bytes(data[pos:pos + length]), pos + length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError("unsupported protobuf wire type %d" % wire)
    return fields


# ---- the plugin ---------------------------------------------------------------------------------

class Stop:
    """Set by the Shutdown RPC, SIGTERM or the loss of the parent process."""

    def __init__(self):
        self.event = threading.Event()
        self.reason = None

    def request(self, reason):
        if self.reason is None:
            self.reason = reason
        self.event.set()


class Broker:
    """The host's announcements on go-plugin's broker stream (ConnInfo: 1 service_id, 2 network,
    3 address), so that subscribe(id) can reach the DeviceListener the host serves under id."""

    def __init__(self):
        self._cond = threading.Condition()
        self._announced = {}

    def announce(self, message):
        fields = proto_fields(message)
        info = (fields.get(2, b"").decode(), fields.get(3, b"").decode(), time.monotonic())
        with self._cond:
            # Like go-plugin, forget announcements nobody dialed within 5 s.
            for stale in [k for k, v in self._announced.items() if info[2] - v[2] > 5]:
                del self._announced[stale]
            self._announced[fields.get(1, 0)] = info
            self._cond.notify_all()

    def dial(self, service_id, timeout=5.0):
        """A channel to what the host announced under service_id (each announcement used once)."""
        with self._cond:
            if not self._cond.wait_for(lambda: service_id in self._announced, timeout):
                raise LookupError("timeout waiting for connection info of broker id %d" % service_id)
            network, address, _ = self._announced.pop(service_id)
        if network == "unix":
            return grpc.insecure_channel("unix:" + address)
        if network == "tcp":
            return grpc.insecure_channel(address)
        raise LookupError("unknown address type: " + address)


class Sensors:
    def __init__(self, broker):
        self._lock = threading.Lock()
        self._broker = broker
        self._listeners = []  # (broker id, channel)
        now = instant()
        self._devices = {d["id"]: d for d in (
            {"id": "motion-hall", "name": "Hall motion sensor", "kind": "SENSOR",
             "state": {"on": False, "level": None}, "updated": now},
            {"id": "window-kitchen", "name": "Kitchen window sensor", "kind": "SENSOR",
             "state": {"on": False, "level": None}, "updated": now})}

    def getManifest(self, context):
        return MANIFEST

    def devices(self, context):
        with self._lock:
            return [self._devices[key] for key in sorted(self._devices)]

    def setState(self, context, device_id, state):
        if not isinstance(device_id, str) or not isinstance(state, dict) \
                or not isinstance(state.get("on"), bool) \
                or not (state.get("level") is None or isinstance(state["level"], (int, float))):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          "setState takes a device id and a state {\"on\": bool, \"level\": number}")
        with self._lock:
            device = self._devices.get(device_id)
            if device is not None:
                device = dict(device, state={"on": state["on"], "level": state.get("level")},
                              updated=instant())
                self._devices[device_id] = device
            listeners = list(self._listeners)
        if device is None:
            # What Outpost makes of a thrown UnknownDeviceException: status UNKNOWN plus the
            # exception as JSON in the trailer (-bin: grpc base64-encodes it on the wire).
            message = "no device '%s' in plugin %s" % (device_id, MANIFEST["id"])
            error = {"type": UNKNOWN_DEVICE, "message": message, "trace": []}
            context.set_trailing_metadata((("outpost-error-bin", json.dumps(error).encode()),))
            context.abort(grpc.StatusCode.UNKNOWN, UNKNOWN_DEVICE + ": " + message)
        log("info", "device changed", device=device_id, on=state["on"], level=state.get("level"))
        # Listeners are called before setState answers, outside the lock: one may call back.
        self._notify(listeners, {"pluginId": MANIFEST["id"], "device": device, "at": device["updated"]})
        return device

    def _notify(self, listeners, event):
        request = json.dumps([event]).encode()
        for listener in listeners:
            broker_id, channel = listener
            try:
                channel.unary_unary(ON_EVENT)(request, timeout=10)
            except grpc.RpcError as e:
                log("warn", "listener failed; dropping it", broker_id=broker_id,
                    error="%s: %s" % (e.code().name, e.details()))
                with self._lock:
                    if listener in self._listeners:
                        self._listeners.remove(listener)
                channel.close()

    def subscribe(self, context, broker_id):
        # The listener is served by the host under a go-plugin broker id; dial it once and keep the
        # channel (an announcement can only be used once). A null listener is accepted and ignored.
        if broker_id is None:
            return None
        if not isinstance(broker_id, int) or isinstance(broker_id, bool):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "subscribe takes a broker id")
        try:
            channel = self._broker.dial(broker_id)
        except LookupError as e:
            context.abort(grpc.StatusCode.UNAVAILABLE, str(e))
        with self._lock:
            self._listeners.append((broker_id, channel))
        log("info", "listener subscribed", broker_id=broker_id)
        return None

    def close(self):
        with self._lock:
            for _, channel in self._listeners:
                channel.close()
            self._listeners = []


def iglu_handler(sensors):
    """Iglu's methods: JSON array of arguments in, one JSON value out."""

    def unary(name, arity):
        def handle(request, context):
            try:
                args = json.loads(request.decode("utf-8"))
            except ValueError as e:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "arguments are not JSON: %s" % e)
            if not isinstance(args, list) or len(args) != arity:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              "%s takes a JSON array of %d arguments" % (name, arity))
            return json.dumps(getattr(sensors, name)(context, *args)).encode("utf-8")
        return grpc.unary_unary_rpc_method_handler(handle)

    return grpc.method_handlers_generic_handler(IGLU, {
        name: unary(name, arity)
        for name, arity in (("getManifest", 0), ("devices", 0), ("setState", 2), ("subscribe", 1))})


def hold_open(context, stop):
    """Blocks a streaming handler until the host cancels the call or the plugin stops."""
    while context.is_active() and not stop.event.wait(0.5):
        pass


def go_plugin_handlers(stop, broker):
    def health_check(request, context):
        service = proto_fields(request).get(1, b"").decode()
        if service not in ("", "plugin"):
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service " + service)
        return b"\x08\x01"  # HealthCheckResponse{status: SERVING}

    def shutdown(request, context):
        log("info", "shutdown requested by the host")
        stop.request("shutdown")  # the main thread stops the server after this answer went out
        return b""  # plugin.Empty

    def stream_stdio(request, context):
        hold_open(context, stop)  # nothing is mirrored: sys.stdout goes to stderr after the handshake
        return iter(())

    def start_stream(requests, context):
        def receive():
            try:
                for message in requests:
                    broker.announce(message)
            except Exception:  # the stream ended or was cancelled
                pass
        threading.Thread(target=receive, name="broker-recv", daemon=True).start()
        hold_open(context, stop)  # this plugin announces nothing on the stream
        return iter(())

    return [
        grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
            "Check": grpc.unary_unary_rpc_method_handler(health_check)}),
        grpc.method_handlers_generic_handler("plugin.GRPCController", {
            "Shutdown": grpc.unary_unary_rpc_method_handler(shutdown)}),
        grpc.method_handlers_generic_handler("plugin.GRPCStdio", {
            "StreamStdio": grpc.unary_stream_rpc_method_handler(stream_stdio)}),
        grpc.method_handlers_generic_handler("plugin.GRPCBroker", {
            "StartStream": grpc.stream_stream_rpc_method_handler(start_stream)}),
    ]


def negotiate_version():
    offered = [item for item in os.environ.get("PLUGIN_PROTOCOL_VERSIONS", "").split(",") if item]
    if str(APP_PROTOCOL_VERSION) not in offered:
        log("warn", "no common protocol version with the host, answering ours",
            offered=",".join(offered), answered=APP_PROTOCOL_VERSION)
    return APP_PROTOCOL_VERSION  # the only one; the host reports a mismatch itself


def main():
    if os.environ.get(COOKIE_KEY) != COOKIE_VALUE:
        sys.stderr.write("This program is an Iglu plugin: it is not meant to be executed directly.\n"
                         "Start the Iglu host instead, which loads its plugins automatically.\n")
        sys.exit(1)
    version = negotiate_version()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is meant for the host

    global grpc
    import grpc
    from concurrent import futures

    stop = Stop()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.request("SIGTERM"))
    parent = os.getppid()
    broker = Broker()
    sensors = Sensors(broker)

    socket_dir = tempfile.mkdtemp(prefix="sensor", dir=os.environ.get("PLUGIN_UNIX_SOCKET_DIR") or None)
    os.chmod(socket_dir, 0o700)
    socket_path = os.path.join(socket_dir, "plugin.sock")
    try:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="grpc"),
                             handlers=[iglu_handler(sensors)] + go_plugin_handlers(stop, broker),
                             options=[("grpc.so_reuseport", 0)])
        if not server.add_insecure_port("unix:" + socket_path):
            raise RuntimeError("cannot listen on " + socket_path)
        server.start()
    except Exception as e:
        log("error", "plugin init error", error=e)
        shutil.rmtree(socket_dir, ignore_errors=True)
        sys.exit(1)

    log("info", "python-sensor starting", pid=os.getpid(), version=MANIFEST["version"],
        protocol_version=version)
    sys.stdout.write("1|%d|unix|%s|grpc|\n" % (version, socket_path))
    sys.stdout.flush()
    sys.stdout = sys.stderr  # later prints would be drained and dropped by the host

    while not stop.event.wait(0.5):  # short waits, so that signal handlers run
        if os.getppid() != parent:
            stop.request("parent process %d is gone" % parent)

    log("info", "python-sensor stopping", reason=stop.reason)
    server.stop(0.3).wait(2)  # lets the Shutdown answer go out, then cancels open streams
    sensors.close()
    shutil.rmtree(socket_dir, ignore_errors=True)
    _stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
