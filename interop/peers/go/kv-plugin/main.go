// Command go-kv-plugin is a go-plugin (v1.0.1 API) gRPC plugin used as an interop peer.
//
// It serves two plugin types on one gRPC server:
//   - "kv":      proto.KV, an in-memory key/value store;
//   - "counter": proto.Counter, whose Put calls back into the host's proto.AddHelper, reached
//     through the GRPCBroker id the host passes in CounterPutRequest.add_server.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "outpost.dev/interop/proto"
)

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
}

func (s *kvStore) Get(_ context.Context, req *pb.GetRequest) (*pb.GetResponse, error) {
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
	return &pb.Empty{}, nil
}

// ---- proto.Counter -------------------------------------------------------------------------

type counterStore struct {
	broker *plugin.GRPCBroker
	log    hclog.Logger

	// mu is held across the whole read-sum-store of Put, so concurrent Puts never lose updates.
	mu     sync.Mutex
	values map[string]int64

	// The connection to the host's AddHelper for the last broker id seen. go-plugin's broker
	// announces an id once and Dial consumes the announcement, so a second Dial of the same id
	// would time out after 5 s: a host may reuse one id for several Puts, hence the cache.
	// Guarded by mu.
	helperID   uint32
	helperConn *grpc.ClientConn
}

// helper returns a client for the AddHelper served under broker id; callers hold s.mu.
func (s *counterStore) helper(id uint32) (pb.AddHelperClient, error) {
	if s.helperConn != nil && s.helperID == id {
		return pb.NewAddHelperClient(s.helperConn), nil
	}
	s.dropHelper()
	conn, err := s.broker.Dial(id)
	if err != nil {
		return nil, fmt.Errorf("dial AddHelper on broker id %d: %v", id, err)
	}
	s.helperID, s.helperConn = id, conn
	return pb.NewAddHelperClient(conn), nil
}

func (s *counterStore) dropHelper() {
	if s.helperConn != nil {
		s.helperConn.Close()
		s.helperConn = nil
	}
}

func (s *counterStore) Get(_ context.Context, req *pb.CounterGetRequest) (*pb.CounterGetResponse, error) {
	s.mu.Lock()
	v := s.values[req.Key]
	s.mu.Unlock()
	return &pb.CounterGetResponse{Value: v}, nil
}

func (s *counterStore) Put(ctx context.Context, req *pb.CounterPutRequest) (*pb.Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	helper, err := s.helper(req.AddServer)
	if err != nil {
		return nil, err
	}
	current := s.values[req.Key]
	callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := helper.Sum(callCtx, &pb.SumRequest{A: current, B: req.Value})
	if err != nil {
		s.dropHelper() // the host may have stopped serving this id; dial afresh next time
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
	pb.RegisterKVServer(s, &kvStore{values: map[string][]byte{}, log: p.log})
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
