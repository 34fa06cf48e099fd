// Command go-kv-host is a go-plugin (v1.0.1 API) host used as an interop peer.
//
//	go-kv-host [--counter] [--automtls] [--bench N [--bench-par P[,P...]]] [--cold N] [--crash N] -- CMD [ARGS...]
//
// It launches CMD ARGS as a gRPC plugin (handshake 1 / BASIC_PLUGIN=hello) and runs one scenario:
//   - default:   dispense "kv", Put("hello","world"), Get("hello") must be "world";
//   - --counter: dispense "counter", Put 5 then 7 on "c", each with proto.AddHelper served under a
//     fresh broker id (as go-plugin's bidirectional example host does), Get("c") must be 12 and
//     exactly 2 Sum calls must have reached the host.
//
// The benchmark options (runBench in bench.go, shared with go18-kv-host) measure the KV plugin
// exactly as java-kv-host does and print the same "BENCH ..." lines before the PASS line.
//
// The last stdout line is "PASS <details>" (exit 0) or "FAIL <reason>" (exit 1); usage errors
// exit 2. Logs, including the plugin's forwarded stderr, go to stderr.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "outpost.dev/interop/proto"
)

// brokerServers tracks the host's AcceptAndServe goroutines (they end when their server stops or
// the broker closes).
var brokerServers sync.WaitGroup

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "BASIC_PLUGIN",
	MagicCookieValue: "hello",
}

// ---- plugin types (client side only) -------------------------------------------------------

type kvPlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (kvPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("go-kv-host: the kv server lives in the plugin")
}

func (kvPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return pb.NewKVClient(c), nil
}

// counterClient bundles the Counter stub with the broker the host needs for the callback.
type counterClient struct {
	counter pb.CounterClient
	broker  *plugin.GRPCBroker
}

type counterPlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (counterPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("go-kv-host: the counter server lives in the plugin")
}

func (counterPlugin) GRPCClient(_ context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return &counterClient{counter: pb.NewCounterClient(c), broker: b}, nil
}

// addHelper is the host-side callback service; it counts the Sum calls it answers.
type addHelper struct {
	calls int64
	log   hclog.Logger
}

func (h *addHelper) Sum(_ context.Context, req *pb.SumRequest) (*pb.SumResponse, error) {
	n := atomic.AddInt64(&h.calls, 1)
	h.log.Debug("AddHelper.Sum", "a", req.A, "b", req.B, "call", n)
	return &pb.SumResponse{R: req.A + req.B}, nil
}

// ---- scenarios -----------------------------------------------------------------------------

func runKV(rpc plugin.ClientProtocol) (string, error) {
	raw, err := rpc.Dispense("kv")
	if err != nil {
		return "", fmt.Errorf("dispense kv: %v", err)
	}
	kv, ok := raw.(pb.KVClient)
	if !ok {
		return "", fmt.Errorf("dispense kv: unexpected type %T", raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	if _, err := kv.Put(ctx, &pb.PutRequest{Key: "hello", Value: []byte("world")}); err != nil {
		return "", fmt.Errorf("KV.Put: %v", err)
	}
	resp, err := kv.Get(ctx, &pb.GetRequest{Key: "hello"})
	if err != nil {
		return "", fmt.Errorf("KV.Get: %v", err)
	}
	if string(resp.Value) != "world" {
		return "", fmt.Errorf("KV.Get(hello) = %q, want %q", resp.Value, "world")
	}
	return `kv Put/Get hello="world"`, nil
}

func runCounter(rpc plugin.ClientProtocol, log hclog.Logger) (string, error) {
	raw, err := rpc.Dispense("counter")
	if err != nil {
		return "", fmt.Errorf("dispense counter: %v", err)
	}
	cc, ok := raw.(*counterClient)
	if !ok {
		return "", fmt.Errorf("dispense counter: unexpected type %T", raw)
	}

	helper := &addHelper{log: log.Named("addhelper")}
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	var ids []string
	for _, v := range []int64{5, 7} {
		id, err := putWithHelper(ctx, cc, helper, v)
		ids = append(ids, fmt.Sprint(id))
		if err != nil {
			return "", fmt.Errorf("Counter.Put(c, %d) via broker id %d: %v", v, id, err)
		}
	}
	resp, err := cc.counter.Get(ctx, &pb.CounterGetRequest{Key: "c"})
	if err != nil {
		return "", fmt.Errorf("Counter.Get: %v", err)
	}
	calls := atomic.LoadInt64(&helper.calls)
	if resp.Value != 12 {
		return "", fmt.Errorf("Counter.Get(c) = %d, want 12 (Sum calls: %d)", resp.Value, calls)
	}
	if calls != 2 {
		return "", fmt.Errorf("host saw %d AddHelper.Sum calls, want 2", calls)
	}
	return fmt.Sprintf("counter c=12 after Put 5+7, Sum calls=2, broker ids=%s", strings.Join(ids, ",")), nil
}

// putWithHelper is one Counter.Put the way go-plugin's bidirectional example host does it: a fresh
// broker id, AcceptAndServe of AddHelper under it in the background, the Put carrying the id, and
// the AddHelper server stopped once the Put has returned. (The broker hands one announcement to one
// Dial, so an id cannot serve a second Put.) It returns the id used.
func putWithHelper(ctx context.Context, cc *counterClient, helper *addHelper, v int64) (uint32, error) {
	id := cc.broker.NextId()
	servers := make(chan *grpc.Server, 1)
	// main waits for AcceptAndServe to return so that the listener's socket file is removed
	// before the process exits.
	brokerServers.Add(1)
	go func() {
		defer brokerServers.Done()
		cc.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
			s := grpc.NewServer(opts...)
			pb.RegisterAddHelperServer(s, helper)
			servers <- s
			return s
		})
	}()
	_, err := cc.counter.Put(ctx, &pb.CounterPutRequest{AddServer: id, Key: "c", Value: v})
	select {
	case s := <-servers:
		s.Stop()
	default:
		// Not served yet (the Put failed early): it stops when the broker closes (client.Kill).
	}
	return id, err
}

// newClient returns an unstarted client for one plugin process.
func newClient(autoMTLS bool, command []string, log hclog.Logger) *plugin.Client {
	return plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		Plugins:          plugin.PluginSet{"kv": kvPlugin{}, "counter": counterPlugin{}},
		Cmd:              exec.Command(command[0], command[1:]...),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         autoMTLS,
		Logger:           log,
		StartTimeout:     30 * time.Second,
	})
}

// run launches the plugin, runs the scenario and always kills the plugin before returning.
func run(counter, autoMTLS bool, command []string, log hclog.Logger) (details string, err error) {
	client := newClient(autoMTLS, command, log)
	defer client.Kill()
	defer func() {
		if r := recover(); r != nil {
			details, err = "", fmt.Errorf("panic: %v", r)
		}
	}()

	rpc, err := client.Client()
	if err != nil {
		return "", fmt.Errorf("start plugin: %v", err)
	}
	if err := rpc.Ping(); err != nil {
		return "", fmt.Errorf("health check: %v", err)
	}
	if counter {
		details, err = runCounter(rpc, log)
	} else {
		details, err = runKV(rpc)
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s (protocol %s, version %d)", details, client.Protocol(), client.NegotiatedVersion()), nil
}

func usage(msg string) {
	fmt.Fprintf(os.Stderr, "go-kv-host: %s\nusage: go-kv-host [--counter] [--automtls] [--bench N [--bench-par P[,P...]]] [--cold N] [--crash N] -- CMD [ARGS...]\n", msg)
	os.Exit(2)
}

func main() {
	var counter, autoMTLS bool
	args := os.Args[1:]
	var command []string
	var bench benchOptions
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			command = args[i+1:]
			break
		}
		switch a {
		case "--counter":
			counter = true
		case "--automtls":
			autoMTLS = true
		case "--bench", "--bench-par", "--cold", "--crash":
			if i+1 >= len(args) {
				usage(fmt.Sprintf("option %s needs a positive number", a))
			}
			if err := bench.set(a, args[i+1]); err != nil {
				usage(err.Error())
			}
			i++
		default:
			usage(fmt.Sprintf("unknown option %q", a))
		}
		if i == len(args)-1 {
			usage("missing -- CMD")
		}
	}
	if len(command) == 0 {
		usage("missing -- CMD")
	}
	if bench.any() {
		if counter {
			usage("--counter cannot be combined with --bench, --cold or --crash")
		}
		benchLog := hclog.New(&hclog.LoggerOptions{Name: "go-kv-host", Level: hclog.Info, Output: os.Stderr})
		os.Exit(runBench(bench, func() *plugin.Client { return newClient(autoMTLS, command, benchLog) }))
	}

	log := hclog.New(&hclog.LoggerOptions{
		Name:   "go-kv-host",
		Level:  hclog.Debug,
		Output: os.Stderr,
	})

	mode := "kv"
	if counter {
		mode = "counter"
	}
	if autoMTLS {
		mode += "+automtls"
	}
	log.Info("running scenario", "mode", mode, "plugin", strings.Join(command, " "))

	details, err := run(counter, autoMTLS, command, log)
	waitBrokerServers(log)
	if err != nil {
		fmt.Printf("FAIL %s: %s\n", mode, oneLine(err.Error()))
		os.Exit(1)
	}
	fmt.Printf("PASS %s: %s\n", mode, details)
}

// waitBrokerServers waits (bounded) until the brokered servers have closed their listeners.
func waitBrokerServers(log hclog.Logger) {
	done := make(chan struct{})
	go func() {
		brokerServers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		log.Warn("brokered AddHelper server did not stop within 5 s")
	}
}
