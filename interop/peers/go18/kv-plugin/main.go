// Command go18-kv-plugin is a go-plugin v1.8.0 gRPC plugin used as an interop peer, written the
// way go-plugin's examples/grpc and examples/bidirectional plugins are.
//
// It serves two plugin types on one gRPC server (handshake protocol 1, BASIC_PLUGIN=hello):
//   - "kv":      proto.KV, an in-memory key/value store;
//   - "counter": proto.Counter, whose Put calls back into the host's proto.AddHelper: every Put
//     dials the broker id the host passes in CounterPutRequest.add_server and closes the
//     connection afterwards. With a multiplexing host (PLUGIN_MULTIPLEX_GRPC) the same Dial knocks
//     over the one yamux session instead of connecting to an announced address.
//
// Environment contracts (the same in go-kv-plugin and the Java KV plugin):
//   - KV_CRASH_ON=<key>: a Get of that key exits the process with status 2 mid-call;
//   - KV_HANG_ON=<key>:  a Get of that key blocks until the call is cancelled; other calls go on;
//   - KV_PRINT=1:        each Put writes "kv-print stdout: put key=<key> bytes=<n>" to os.Stdout and
//     "kv-print stderr: put key=<key> bytes=<n>" to os.Stderr, which go-plugin's Serve has pointed
//     at its stdio service: a host receives them on SyncStdout and SyncStderr.
package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	pb "outpost.dev/interop/proto"
)

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "BASIC_PLUGIN",
	MagicCookieValue: "hello",
}

// ---- proto.KV ------------------------------------------------------------------------------

type kvStore struct {
	pb.UnimplementedKVServer

	mu     sync.RWMutex
	values map[string][]byte
	log    hclog.Logger

	crashOn, hangOn string // KV_CRASH_ON, KV_HANG_ON ("" = off)
	print           bool   // KV_PRINT=1
}

func (s *kvStore) Get(ctx context.Context, req *pb.GetRequest) (*pb.GetResponse, error) {
	if s.crashOn != "" && req.Key == s.crashOn {
		s.log.Warn("KV_CRASH_ON: exiting with status 2 in the middle of Get", "key", req.Key)
		os.Exit(2)
	}
	if s.hangOn != "" && req.Key == s.hangOn {
		s.log.Warn("KV_HANG_ON: Get blocks until the call is cancelled", "key", req.Key)
		<-ctx.Done()
		s.log.Info("KV_HANG_ON: Get cancelled", "key", req.Key, "error", ctx.Err().Error())
		// A status with the context's code: the server's copy of the deadline may fire first, and
		// a plain error would reach the host as Unknown.
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	s.mu.RLock()
	v := s.values[req.Key]
	s.mu.RUnlock()
	s.log.Debug("kv get", "key", req.Key, "found", v != nil)
	return &pb.GetResponse{Value: v}, nil
}

func (s *kvStore) Put(_ context.Context, req *pb.PutRequest) (*pb.Empty, error) {
	v := append([]byte(nil), req.Value...)
	s.mu.Lock()
	s.values[req.Key] = v
	s.mu.Unlock()
	s.log.Debug("kv put", "key", req.Key, "bytes", len(v))
	if s.print {
		// os.Stdout and os.Stderr as they are now, i.e. go-plugin's stdio pipes.
		fmt.Fprintf(os.Stdout, "kv-print stdout: put key=%s bytes=%d\n", req.Key, len(v))
		fmt.Fprintf(os.Stderr, "kv-print stderr: put key=%s bytes=%d\n", req.Key, len(v))
	}
	return &pb.Empty{}, nil
}

// ---- proto.Counter -------------------------------------------------------------------------

type counterStore struct {
	pb.UnimplementedCounterServer

	broker *plugin.GRPCBroker
	log    hclog.Logger

	// mu is held across the read-sum-store of Put, so concurrent Puts never lose updates.
	mu     sync.Mutex
	values map[string]int64
}

func (s *counterStore) Get(_ context.Context, req *pb.CounterGetRequest) (*pb.CounterGetResponse, error) {
	s.mu.Lock()
	v := s.values[req.Key]
	s.mu.Unlock()
	return &pb.CounterGetResponse{Value: v}, nil
}

func (s *counterStore) Put(ctx context.Context, req *pb.CounterPutRequest) (*pb.Empty, error) {
	// The host serves AddHelper under this id for this Put; the broker hands its announcement
	// (or, multiplexed, the knock's answer) to this one Dial.
	conn, err := s.broker.Dial(req.AddServer)
	if err != nil {
		return nil, fmt.Errorf("dial AddHelper on broker id %d: %v", req.AddServer, err)
	}
	defer func() { _ = conn.Close() }()
	helper := pb.NewAddHelperClient(conn)

	s.mu.Lock()
	defer s.mu.Unlock()
	current := s.values[req.Key]
	resp, err := helper.Sum(ctx, &pb.SumRequest{A: current, B: req.Value})
	if err != nil {
		return nil, fmt.Errorf("AddHelper.Sum via broker id %d: %v", req.AddServer, err)
	}
	s.values[req.Key] = resp.R
	s.log.Debug("counter put", "key", req.Key, "old", current, "new", resp.R)
	return &pb.Empty{}, nil
}

// ---- plugin types (server side only) -------------------------------------------------------

type kvPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	log hclog.Logger
}

func (p *kvPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterKVServer(s, &kvStore{
		values:  map[string][]byte{},
		log:     p.log,
		crashOn: os.Getenv("KV_CRASH_ON"),
		hangOn:  os.Getenv("KV_HANG_ON"),
		print:   os.Getenv("KV_PRINT") == "1",
	})
	return nil
}

func (p *kvPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, errors.New("go18-kv-plugin: the kv client lives in the host")
}

type counterPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	log hclog.Logger
}

func (p *counterPlugin) GRPCServer(b *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterCounterServer(s, &counterStore{broker: b, values: map[string]int64{}, log: p.log})
	return nil
}

func (p *counterPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, errors.New("go18-kv-plugin: the counter client lives in the host")
}

// grpcServer is plugin.DefaultGRPCServer with the receive limit raised from grpc-go's 4 MiB to
// math.MaxInt32. go-plugin hands its server factory only the TLS option, while its hosts send up to
// math.MaxInt32 bytes per message (dialGRPCConn), so a plugin on the default server refuses a Put of
// more than 4 MiB with ResourceExhausted. SDKs built on go-plugin raise the limit the same way
// (terraform-plugin-go's servers to 256 MiB); the interop tests Put 20 MB values.
func grpcServer(opts []grpc.ServerOption) *grpc.Server {
	return grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(math.MaxInt32))...)
}

func main() {
	// JSON lines on the real stderr (the logger keeps the *os.File it gets here, before Serve
	// points os.Stderr at the stdio service), as go-plugin's own default plugin logger writes them.
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       "go18-kv-plugin",
		Level:      hclog.Trace,
		Output:     os.Stderr,
		JSONFormat: true,
	})
	if os.Getenv(handshake.MagicCookieKey) == handshake.MagicCookieValue {
		// Only log when launched by a host: run by hand, Serve prints its friendly message alone.
		logger.Info("go18-kv-plugin starting", "pid", os.Getpid())
	}

	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins: plugin.PluginSet{
			"kv":      &kvPlugin{log: logger.Named("kv")},
			"counter": &counterPlugin{log: logger.Named("counter")},
		},
		GRPCServer: grpcServer,
		Logger:     logger,
	})
	logger.Info("go18-kv-plugin stopped")
}
