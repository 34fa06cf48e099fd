// Command go-kv-plugin is a go-plugin (v1.0.1 API) gRPC plugin used as an interop peer.
//
// It serves two plugin types on one gRPC server:
//   - "kv":      proto.KV, an in-memory key/value store;
//   - "counter": proto.Counter, whose Put calls back into the host's proto.AddHelper, reached
//     through the GRPCBroker id the host passes in CounterPutRequest.add_server: every Put dials
//     that id and closes the connection afterwards, as go-plugin's bidirectional example plugin.
//
// Environment contracts (the same in go18-kv-plugin and the Java KV plugin):
//   - KV_CRASH_ON=<key>: a Get of that key exits the process with status 2 mid-call;
//   - KV_HANG_ON=<key>:  a Get of that key blocks until the call is cancelled; other calls go on;
//   - KV_HOG_ON=<key>:   a Get of that key takes 200 MiB, touched, and keeps it (this plugin only:
//     for memory limits, which a Go plugin's small footprint shows best);
//   - KV_PRINT=1:        each Put writes "kv-print stdout: put key=<key> bytes=<n>" to stdout and
//     "kv-print stderr: ..." to stderr. go-plugin v1.0.1 has no stdio service, so both go to the
//     process's own stdout and stderr (a host drains and drops the stdout after the handshake).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	pb "outpost.dev/interop/proto"
)

// The process's real stdout and stderr. After the handshake go-plugin v1.0.1's Serve points
// os.Stdout and os.Stderr at pipes that, without a stdio service, nobody reads.
var realStdout, realStderr = os.Stdout, os.Stderr

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "BASIC_PLUGIN",
	MagicCookieValue: "hello",
}

// ---- proto.KV ------------------------------------------------------------------------------

type kvStore struct {
	mu     sync.RWMutex
	values map[string][]byte
	log    hclog.Logger

	crashOn, hangOn string // KV_CRASH_ON, KV_HANG_ON ("" = off)
	hogOn           string // KV_HOG_ON ("" = off)
	print           bool   // KV_PRINT=1
	hog             [][]byte
}

func (s *kvStore) Get(ctx context.Context, req *pb.GetRequest) (*pb.GetResponse, error) {
	if s.crashOn != "" && req.Key == s.crashOn {
		s.log.Warn("KV_CRASH_ON: exiting with status 2 in the middle of Get", "key", req.Key)
		os.Exit(2)
	}
	if s.hogOn != "" && req.Key == s.hogOn {
		s.log.Warn("KV_HOG_ON: taking 200 MiB", "key", req.Key)
		s.mu.Lock()
		for i := 0; i < 200; i++ {
			chunk := make([]byte, 1<<20)
			for j := range chunk {
				chunk[j] = 1 // touched: only memory in use counts
			}
			s.hog = append(s.hog, chunk)
		}
		s.mu.Unlock()
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
	s.log.Debug("kv put", "key", req.Key, "bytes", fmt.Sprint(len(v)))
	if s.print {
		fmt.Fprintf(realStdout, "kv-print stdout: put key=%s bytes=%d\n", req.Key, len(v))
		fmt.Fprintf(realStderr, "kv-print stderr: put key=%s bytes=%d\n", req.Key, len(v))
	}
	return &pb.Empty{}, nil
}

// ---- proto.Counter -------------------------------------------------------------------------

type counterStore struct {
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
	// The host announced its AddHelper under this id for this Put; the broker hands the
	// announcement to this one Dial.
	conn, err := s.broker.Dial(req.AddServer)
	if err != nil {
		return nil, fmt.Errorf("dial AddHelper on broker id %d: %v", req.AddServer, err)
	}
	defer conn.Close()
	helper := pb.NewAddHelperClient(conn)

	s.mu.Lock()
	defer s.mu.Unlock()
	current := s.values[req.Key]
	resp, err := helper.Sum(ctx, &pb.SumRequest{A: current, B: req.Value})
	if err != nil {
		return nil, fmt.Errorf("AddHelper.Sum via broker id %d: %v", req.AddServer, err)
	}
	s.values[req.Key] = resp.R
	s.log.Debug("counter put", "key", req.Key, "old", fmt.Sprint(current), "new", fmt.Sprint(resp.R))
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
		hogOn:   os.Getenv("KV_HOG_ON"),
		print:   os.Getenv("KV_PRINT") == "1",
	})
	return nil
}

func (p *kvPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, errors.New("go-kv-plugin: the kv client lives in the host")
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
	return nil, errors.New("go-kv-plugin: the counter client lives in the host")
}

func main() {
	// JSON lines on the real stderr, as go-plugin's own default logger would write them; the
	// host parses and re-logs them.
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       "go-kv-plugin",
		Level:      hclog.Trace,
		Output:     os.Stderr,
		JSONFormat: true,
	})
	if os.Getenv(handshake.MagicCookieKey) == handshake.MagicCookieValue {
		// Only log when launched by a host: run by hand, Serve prints its friendly message alone.
		logger.Info("go-kv-plugin starting", "pid", fmt.Sprint(os.Getpid()))
	}

	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins: plugin.PluginSet{
			"kv":      &kvPlugin{log: logger.Named("kv")},
			"counter": &counterPlugin{log: logger.Named("counter")},
		},
		GRPCServer: plugin.DefaultGRPCServer,
		Logger:     logger,
	})
	logger.Info("go-kv-plugin stopped")
}
