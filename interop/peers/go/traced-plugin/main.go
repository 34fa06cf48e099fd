// Command go-traced-plugin is a go-plugin (v1.0.1 API) gRPC plugin that traces as a Go plugin
// instrumented with otelgrpc does, for the tracing interop test. otelgrpc itself is not packaged for
// Debian; this peer does what its interceptors do with OpenTelemetry Go's own pieces (Debian's
// golang-opentelemetry-otel-dev): the W3C TraceContext propagator reads the caller's context from
// the gRPC metadata (keys traceparent, tracestate), a server span of the SDK continues it, and a
// client span's context is written into the metadata of the calls the plugin makes.
//
// It serves the interop protos:
//   - "kv":      proto.KV; Get answers, as its value, "<traceparent received>|<trace id>/<span
//     id>/<parent span id>" of its server span ("-" for a missing header), so the host sees what OpenTelemetry
//     Go made of its context; Put is accepted and forgotten;
//   - "counter": proto.Counter; Put calls the host's AddHelper through the broker, from a client
//     span that is a child of its server span, and stores the sum; Get answers it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	plugin "github.com/hashicorp/go-plugin"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	pb "outpost.dev/interop/proto"
)

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "BASIC_PLUGIN",
	MagicCookieValue: "hello",
}

var (
	propagator = propagation.TraceContext{}
	tracer     = sdktrace.NewTracerProvider().Tracer("go-traced-plugin")
)

// metadataCarrier lets the propagator read and write gRPC metadata, as otelgrpc's carrier does.
type metadataCarrier struct{ md metadata.MD }

func (c metadataCarrier) Get(key string) string {
	values := c.md.Get(key)
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

func (c metadataCarrier) Set(key, value string) { c.md.Set(key, value) }

func (c metadataCarrier) Keys() []string {
	keys := make([]string, 0, len(c.md))
	for key := range c.md {
		keys = append(keys, key)
	}
	return keys
}

// serverSpan continues the caller's trace: the context and span a handler runs in.
func serverSpan(ctx context.Context, name string) (context.Context, trace.Span) {
	md, _ := metadata.FromIncomingContext(ctx)
	ctx = propagator.Extract(ctx, metadataCarrier{md.Copy()})
	return tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer))
}

func ids(span trace.Span) string {
	parent := "-"
	if readable, ok := span.(sdktrace.ReadOnlySpan); ok && readable.Parent().IsValid() {
		parent = readable.Parent().SpanID().String()
	}
	sc := span.SpanContext()
	return sc.TraceID().String() + "/" + sc.SpanID().String() + "/" + parent
}

type kvStore struct{}

func (kvStore) Get(ctx context.Context, req *pb.GetRequest) (*pb.GetResponse, error) {
	received := "-"
	if md, ok := metadata.FromIncomingContext(ctx); ok && len(md.Get("traceparent")) > 0 {
		received = md.Get("traceparent")[0]
	}
	_, span := serverSpan(ctx, "proto.KV/Get")
	defer span.End()
	return &pb.GetResponse{Value: []byte(received + "|" + ids(span))}, nil
}

func (kvStore) Put(context.Context, *pb.PutRequest) (*pb.Empty, error) {
	return &pb.Empty{}, nil
}

type counterStore struct {
	broker *plugin.GRPCBroker
	mu     sync.Mutex
	values map[string]int64
}

func (s *counterStore) Get(_ context.Context, req *pb.CounterGetRequest) (*pb.CounterGetResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &pb.CounterGetResponse{Value: s.values[req.Key]}, nil
}

func (s *counterStore) Put(ctx context.Context, req *pb.CounterPutRequest) (*pb.Empty, error) {
	ctx, span := serverSpan(ctx, "proto.Counter/Put")
	defer span.End()
	conn, err := s.broker.Dial(req.AddServer)
	if err != nil {
		return nil, fmt.Errorf("dial AddHelper on broker id %d: %v", req.AddServer, err)
	}
	defer conn.Close()
	callCtx, call := tracer.Start(ctx, "proto.AddHelper/Sum", trace.WithSpanKind(trace.SpanKindClient))
	defer call.End()
	md := metadata.MD{}
	propagator.Inject(callCtx, metadataCarrier{md})
	callCtx = metadata.NewOutgoingContext(callCtx, md)

	s.mu.Lock()
	defer s.mu.Unlock()
	resp, err := pb.NewAddHelperClient(conn).Sum(callCtx, &pb.SumRequest{A: s.values[req.Key], B: req.Value})
	if err != nil {
		return nil, fmt.Errorf("AddHelper.Sum via broker id %d: %v", req.AddServer, err)
	}
	s.values[req.Key] = resp.R
	return &pb.Empty{}, nil
}

type kvPlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (kvPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterKVServer(s, kvStore{})
	return nil
}

func (kvPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, errors.New("go-traced-plugin: the kv client lives in the host")
}

type counterPlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (counterPlugin) GRPCServer(b *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterCounterServer(s, &counterStore{broker: b, values: map[string]int64{}})
	return nil
}

func (counterPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, errors.New("go-traced-plugin: the counter client lives in the host")
}

func main() {
	if os.Getenv(handshake.MagicCookieKey) != handshake.MagicCookieValue {
		fmt.Fprintln(os.Stderr, "go-traced-plugin: a go-plugin plugin, to be launched by a host")
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins:         plugin.PluginSet{"kv": kvPlugin{}, "counter": counterPlugin{}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}
