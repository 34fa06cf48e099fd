// Command go-thermostat is an Iglu device plugin written in Go against go-plugin v1.0.1.
//
// Iglu's interface dev.outpost.examples.iglu.Iglu is a plain Java interface that Outpost remotes in
// "interface mode": one unary gRPC method per Java method, the request is the JSON array of the
// arguments and the response one JSON value, both as raw UTF-8 bytes (no protobuf). This plugin
// serves that service with a hand-written grpc.ServiceDesc and a codec that passes raw bytes through
// untouched and hands everything else (go-plugin's own health, broker and controller protos) to
// grpc's protobuf codec.
//
// Build it with examples/iglu/build-go-plugin.sh OUT_FILE.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/proto" // registers the "proto" codec used as fallback
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "IGLU_PLUGIN",
	MagicCookieValue: "MzlK0OGpIRs",
}

const (
	igluService     = "dev.outpost.examples.iglu.Iglu"
	listenerOnEvent = "/dev.outpost.examples.iglu.DeviceListener/onEvent"
	unknownDevice   = "dev.outpost.examples.iglu.UnknownDeviceException"
	errorTrailer    = "outpost-error-bin" // -bin: grpc-go base64-encodes the value on the wire
	callbackTimeout = 10 * time.Second
)

// ---- codec ---------------------------------------------------------------------------------

// rawCodec sends []byte messages as they are and receives into *[]byte; any other value (the
// protobuf messages of go-plugin's own services) goes through grpc's registered protobuf codec.
type rawCodec struct{ fallback encoding.Codec }

func newRawCodec() rawCodec { return rawCodec{fallback: encoding.GetCodec("proto")} }

func (c rawCodec) Marshal(v interface{}) ([]byte, error) {
	switch m := v.(type) {
	case []byte:
		return m, nil
	case *[]byte:
		return *m, nil
	case json.RawMessage:
		return m, nil
	}
	return c.fallback.Marshal(v)
}

func (c rawCodec) Unmarshal(data []byte, v interface{}) error {
	switch m := v.(type) {
	case *[]byte:
		*m = append([]byte(nil), data...)
		return nil
	case *json.RawMessage:
		*m = append(json.RawMessage(nil), data...)
		return nil
	}
	return c.fallback.Unmarshal(data, v)
}

func (rawCodec) Name() string   { return "proto" } // same content-subtype as the default
func (rawCodec) String() string { return "raw+proto" }

// ---- the Iglu records, as the Java side writes and reads them ---------------------------------

type manifest struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Author  string `json:"author"`
	Version string `json:"version"`
}

type deviceState struct {
	On    bool     `json:"on"`
	Level *float64 `json:"level"` // Optional<Double>: null when empty
}

type device struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Kind    string      `json:"kind"`
	State   deviceState `json:"state"`
	Updated string      `json:"updated"` // ISO-8601 instant
}

type deviceEvent struct {
	PluginID string `json:"pluginId"`
	Device   device `json:"device"`
	At       string `json:"at"`
}

type remoteError struct {
	Type    string        `json:"type"`
	Message string        `json:"message"`
	Trace   []interface{} `json:"trace"`
}

var thisPlugin = manifest{ID: "go-thermostat", Name: "Go Thermostat", Author: "Iglu Go team", Version: "v1.2.0"}

func instant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// ---- the implementation ----------------------------------------------------------------------

type thermostat struct {
	broker *plugin.GRPCBroker
	log    hclog.Logger

	mu          sync.Mutex
	devices     map[string]device
	subscribers []*grpc.ClientConn // one broker connection per subscribe; an id can be dialed once
}

func newThermostat(broker *plugin.GRPCBroker, log hclog.Logger) *thermostat {
	level := 19.5
	now := instant(time.Now())
	t := &thermostat{broker: broker, log: log, devices: map[string]device{}}
	for _, d := range []device{
		{ID: "thermostat-go", Name: "Go thermostat", Kind: "THERMOSTAT", State: deviceState{On: true, Level: &level}, Updated: now},
		{ID: "boiler", Name: "Boiler sensor", Kind: "SENSOR", State: deviceState{On: false}, Updated: now},
	} {
		t.devices[d.ID] = d
	}
	return t
}

// args decodes the JSON array of arguments into exactly len(into) values.
func args(request []byte, into ...interface{}) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(request, &raw); err != nil {
		return status.Errorf(codes.InvalidArgument, "arguments are not a JSON array: %v", err)
	}
	if len(raw) != len(into) {
		return status.Errorf(codes.InvalidArgument, "expected %d arguments, got %d", len(into), len(raw))
	}
	for i, r := range raw {
		if err := json.Unmarshal(r, into[i]); err != nil {
			return status.Errorf(codes.InvalidArgument, "argument %d: %v", i, err)
		}
	}
	return nil
}

func (t *thermostat) getManifest(_ context.Context, request []byte) (interface{}, error) {
	if err := args(request); err != nil {
		return nil, err
	}
	return thisPlugin, nil
}

func (t *thermostat) listDevices(_ context.Context, request []byte) (interface{}, error) {
	if err := args(request); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	list := make([]device, 0, len(t.devices))
	for _, d := range t.devices {
		list = append(list, d)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list, nil
}

func (t *thermostat) setState(ctx context.Context, request []byte) (interface{}, error) {
	var id string
	var state deviceState
	if err := args(request, &id, &state); err != nil {
		return nil, err
	}
	t.mu.Lock()
	current, ok := t.devices[id]
	if !ok {
		t.mu.Unlock()
		return nil, unknownDeviceError(ctx, fmt.Sprintf("no device '%s' in plugin %s", id, thisPlugin.ID))
	}
	current.State = state
	current.Updated = instant(time.Now())
	t.devices[id] = current
	listeners := append([]*grpc.ClientConn(nil), t.subscribers...)
	t.mu.Unlock()
	t.log.Info("device changed", "device", id, "on", state.On, "level", levelText(state.Level))
	// Listeners are called before setState answers, outside the lock: one may call the plugin back.
	t.notify(listeners, deviceEvent{PluginID: thisPlugin.ID, Device: current, At: current.Updated})
	return current, nil
}

// notify calls DeviceListener.onEvent on each listener; one that fails is dropped.
func (t *thermostat) notify(listeners []*grpc.ClientConn, event deviceEvent) {
	request, err := json.Marshal([]deviceEvent{event})
	if err != nil {
		t.log.Error("cannot encode event", "error", err.Error())
		return
	}
	for _, conn := range listeners {
		ctx, cancel := context.WithTimeout(context.Background(), callbackTimeout)
		var response []byte
		err := conn.Invoke(ctx, listenerOnEvent, request, &response, grpc.ForceCodec(newRawCodec()))
		cancel()
		if err != nil {
			t.log.Warn("listener failed; dropping it", "error", err.Error())
			t.drop(conn)
		}
	}
}

func (t *thermostat) drop(conn *grpc.ClientConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, c := range t.subscribers {
		if c == conn {
			t.subscribers = append(t.subscribers[:i], t.subscribers[i+1:]...)
			conn.Close()
			return
		}
	}
}

func (t *thermostat) subscribe(_ context.Context, request []byte) (interface{}, error) {
	var id *uint32
	if err := args(request, &id); err != nil {
		return nil, err
	}
	if id == nil { // a null listener: nothing to call
		return nil, nil
	}
	conn, err := t.broker.Dial(*id)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "cannot reach the listener on broker id %d: %v", *id, err)
	}
	t.mu.Lock()
	t.subscribers = append(t.subscribers, conn)
	count := len(t.subscribers)
	t.mu.Unlock()
	t.log.Info("listener subscribed", "broker_id", *id, "listeners", count)
	return nil, nil
}

func (t *thermostat) closeSubscribers() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, conn := range t.subscribers {
		conn.Close()
	}
	t.subscribers = nil
}

func levelText(level *float64) string {
	if level == nil {
		return "none"
	}
	return fmt.Sprint(*level)
}

// unknownDeviceError is what Outpost makes of a thrown UnknownDeviceException: status UNKNOWN, and
// the exception as JSON in the trailer the Java host rebuilds it from.
func unknownDeviceError(ctx context.Context, message string) error {
	body, _ := json.Marshal(remoteError{Type: unknownDevice, Message: message, Trace: []interface{}{}})
	if err := grpc.SetTrailer(ctx, metadata.Pairs(errorTrailer, string(body))); err != nil {
		return status.Errorf(codes.Internal, "cannot set the error trailer: %v", err)
	}
	return status.Error(codes.Unknown, unknownDevice+": "+message)
}

// ---- the hand-written service description -----------------------------------------------------

type method func(t *thermostat, ctx context.Context, request []byte) (interface{}, error)

// handler adapts a method to grpc: the request arrives as raw bytes, the result is encoded to JSON.
func handler(name string, m method) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv interface{}, ctx context.Context, dec func(interface{}) error,
			interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
			var request []byte
			if err := dec(&request); err != nil {
				return nil, err
			}
			call := func(ctx context.Context, req interface{}) (interface{}, error) {
				result, err := m(srv.(*thermostat), ctx, req.([]byte))
				if err != nil {
					return nil, err
				}
				body, err := json.Marshal(result) // nil → null (void)
				if err != nil {
					return nil, status.Errorf(codes.Internal, "cannot encode the result of %s: %v", name, err)
				}
				return body, nil
			}
			if interceptor == nil {
				return call(ctx, request)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + igluService + "/" + name}
			return interceptor(ctx, request, info, call)
		},
	}
}

var igluServiceDesc = grpc.ServiceDesc{
	ServiceName: igluService,
	HandlerType: (*interface{})(nil),
	Methods: []grpc.MethodDesc{
		handler("getManifest", (*thermostat).getManifest),
		handler("devices", (*thermostat).listDevices),
		handler("setState", (*thermostat).setState),
		handler("subscribe", (*thermostat).subscribe),
	},
	Streams:  []grpc.StreamDesc{},
	Metadata: "dev/outpost/examples/iglu/Iglu.java",
}

// ---- go-plugin glue ----------------------------------------------------------------------------

type igluPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	log  hclog.Logger
	impl *thermostat
}

func (p *igluPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	p.impl = newThermostat(broker, p.log)
	s.RegisterService(&igluServiceDesc, p.impl)
	return nil
}

func (p *igluPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, fmt.Errorf("go-thermostat is a plugin; the Iglu client lives in the host")
}

func main() {
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       "go-thermostat",
		Level:      hclog.Info,
		Output:     os.Stderr,
		JSONFormat: true,
	})
	if os.Getenv(handshake.MagicCookieKey) == handshake.MagicCookieValue {
		// Run by hand, Serve prints its friendly message and exits 1; stay quiet otherwise.
		logger.Info("go-thermostat starting", "pid", os.Getpid(), "version", thisPlugin.Version)
	}
	p := &igluPlugin{log: logger}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins:         plugin.PluginSet{"iglu_plugin": p},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, grpc.CustomCodec(newRawCodec()))...)
		},
		Logger: logger,
	})
	if p.impl != nil {
		p.impl.closeSubscribers()
	}
	logger.Info("go-thermostat stopped")
}
