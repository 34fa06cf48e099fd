// Command go-kv-host is a go-plugin (v1.0.1 API) host used as an interop peer.
//
//	go-kv-host [--counter] [--automtls] [--bench N [--bench-par P[,P...]]] [--cold N] [--crash N] -- CMD [ARGS...]
//
// It launches CMD ARGS as a gRPC plugin (handshake 1 / BASIC_PLUGIN=hello) and runs one scenario:
//   - default:   dispense "kv", Put("hello","world"), Get("hello") must be "world";
//   - --counter: dispense "counter", serve proto.AddHelper through the broker, Put 5 then 7 on "c",
//     Get("c") must be 12 and exactly 2 Sum calls must have reached the host.
//
// The benchmark options (see runBench) measure the KV plugin exactly as java-kv-host does and print
// the same "BENCH ..." lines before the PASS line.
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
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "outpost.dev/interop/proto"
)

const rpcTimeout = 30 * time.Second

// brokerServers tracks the host's AcceptAndServe goroutines (they end when the broker closes).
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
	id := cc.broker.NextId()
	// Serves until the broker closes (client.Kill); one listener socket for both Puts. main waits
	// for it to return so that the listener's socket file is removed before the process exits.
	brokerServers.Add(1)
	go func() {
		defer brokerServers.Done()
		cc.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
			s := grpc.NewServer(opts...)
			pb.RegisterAddHelperServer(s, helper)
			return s
		})
	}()

	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	for _, v := range []int64{5, 7} {
		if _, err := cc.counter.Put(ctx, &pb.CounterPutRequest{AddServer: id, Key: "c", Value: v}); err != nil {
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
	return fmt.Sprintf("counter c=12 after Put 5+7, Sum calls=2, broker id=%d", id), nil
}

// run launches the plugin, runs the scenario and always kills the plugin before returning.
func run(counter, autoMTLS bool, command []string, log hclog.Logger) (details string, err error) {
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		Plugins:          plugin.PluginSet{"kv": kvPlugin{}, "counter": counterPlugin{}},
		Cmd:              exec.Command(command[0], command[1:]...),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         autoMTLS,
		Logger:           log,
		StartTimeout:     30 * time.Second,
	})
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
		os.Exit(runBench(bench, autoMTLS, command))
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

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// ---- benchmarks (the same measurements and output lines as java-kv-host's KvHost.Bench) -----

// benchWarmUp is the number of untimed Get calls before the timed ones.
const benchWarmUp = 20000

type benchOptions struct {
	calls    int
	parallel []int
	cold     int
	crash    int
}

func (b *benchOptions) set(option, value string) error {
	var values []int
	for _, v := range strings.Split(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			return fmt.Errorf("option %s needs a positive number (P may be a list: 4,16), not %q", option, value)
		}
		values = append(values, n)
	}
	if len(values) != 1 && option != "--bench-par" {
		return fmt.Errorf("option %s takes one number, not %q", option, value)
	}
	switch option {
	case "--bench":
		b.calls = values[0]
	case "--bench-par":
		b.parallel = append(b.parallel, values...)
	case "--cold":
		b.cold = values[0]
	default:
		b.crash = values[0]
	}
	return nil
}

func (b benchOptions) any() bool {
	return b.calls > 0 || len(b.parallel) > 0 || b.cold > 0 || b.crash > 0
}

func newBenchClient(autoMTLS bool, command []string, log hclog.Logger) *plugin.Client {
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

// startKV starts the plugin (client.Client launches the process) and dispenses "kv".
func startKV(client *plugin.Client) (pb.KVClient, error) {
	rpc, err := client.Client()
	if err != nil {
		return nil, fmt.Errorf("start plugin: %v", err)
	}
	raw, err := rpc.Dispense("kv")
	if err != nil {
		return nil, fmt.Errorf("dispense kv: %v", err)
	}
	kv, ok := raw.(pb.KVClient)
	if !ok {
		return nil, fmt.Errorf("dispense kv: unexpected type %T", raw)
	}
	return kv, nil
}

// get is one Get("hello") with the same per-call deadline a Java host applies (30 s).
func get(kv pb.KVClient) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	resp, err := kv.Get(ctx, &pb.GetRequest{Key: "hello"})
	if err != nil {
		return 0, fmt.Errorf("KV.Get: %v", err)
	}
	return len(resp.Value), nil
}

func checkedGet(kv pb.KVClient) error {
	n, err := get(kv)
	if err == nil && n != 5 {
		err = errors.New(`Get("hello") did not return the 5 bytes put`)
	}
	return err
}

// percentile is the nearest-rank percentile of sorted values: the ceil(p*n)-th smallest.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(float64(len(sorted))*p + 0.999999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

func mean(values []time.Duration) float64 {
	var sum float64
	for _, v := range values {
		sum += float64(v)
	}
	return sum / float64(len(values))
}

// latency runs calls Gets from callers goroutines (split evenly), each call timed alone.
func latency(kv pb.KVClient, callers, calls int) (string, error) {
	ns := make([]time.Duration, calls)
	var wall time.Duration
	if callers == 1 {
		start := time.Now()
		for c := 0; c < calls; c++ {
			t0 := time.Now()
			if err := checkedGet(kv); err != nil {
				return "", err
			}
			ns[c] = time.Since(t0)
		}
		wall = time.Since(start)
	} else {
		var wg sync.WaitGroup
		var failure atomic.Value
		goSignal := make(chan struct{})
		from := 0
		for t := 0; t < callers; t++ {
			count := calls / callers
			if t < calls%callers {
				count++
			}
			part := ns[from : from+count]
			from += count
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-goSignal
				for c := range part {
					t0 := time.Now()
					if err := checkedGet(kv); err != nil {
						failure.Store(err)
						return
					}
					part[c] = time.Since(t0)
				}
			}()
		}
		start := time.Now()
		close(goSignal)
		wg.Wait()
		wall = time.Since(start)
		if err, ok := failure.Load().(error); ok {
			return "", err
		}
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i] < ns[j] })
	return fmt.Sprintf("BENCH get callers=%d calls=%d p50_us=%.1f p99_us=%.1f mean_us=%.1f calls_per_s=%.0f",
		callers, calls, float64(percentile(ns, 0.50))/1e3, float64(percentile(ns, 0.99))/1e3, mean(ns)/1e3,
		float64(calls)/wall.Seconds()), nil
}

func summary(what string, ns []time.Duration, format string) string {
	sort.Slice(ns, func(i, j int) bool { return ns[i] < ns[j] })
	f := format
	return fmt.Sprintf("BENCH %s runs=%d p50_ms="+f+" mean_ms="+f+" min_ms="+f+" max_ms="+f, what, len(ns),
		float64(percentile(ns, 0.50))/1e6, mean(ns)/1e6, float64(ns[0])/1e6, float64(ns[len(ns)-1])/1e6)
}

// crashDetection starts the plugin, does one Get and SIGKILLs it: the time from just before the kill
// until client.Exited() is seen true, polled every 20 µs (go-plugin v1.0.1 has no exit callback;
// Exited() turns true when its goroutine's cmd.Wait returns).
func crashDetection(autoMTLS bool, command []string, log hclog.Logger) (time.Duration, error) {
	client := newBenchClient(autoMTLS, command, log)
	defer client.Kill()
	kv, err := startKV(client)
	if err != nil {
		return 0, err
	}
	if _, err := get(kv); err != nil {
		return 0, err
	}
	pid := client.ReattachConfig().Pid
	t0 := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return 0, fmt.Errorf("kill -9 %d: %v", pid, err)
	}
	for !client.Exited() {
		if time.Since(t0) > 10*time.Second {
			return 0, errors.New("the host did not see the SIGKILLed plugin exit within 10 s")
		}
		time.Sleep(20 * time.Microsecond)
	}
	return time.Since(t0), nil
}

// runBench runs the benchmarks asked for, prints the BENCH lines and PASS or FAIL; the exit status.
func runBench(b benchOptions, autoMTLS bool, command []string) int {
	log := hclog.New(&hclog.LoggerOptions{Name: "go-kv-host", Level: hclog.Info, Output: os.Stderr})
	var done []string
	fail := func(err error) int {
		fmt.Printf("FAIL bench proto.KV: %s\n", oneLine(err.Error()))
		return 1
	}
	if b.calls > 0 || len(b.parallel) > 0 {
		n := b.calls
		if n == 0 {
			n = 20000
		}
		err := func() error {
			client := newBenchClient(autoMTLS, command, log)
			defer client.Kill()
			kv, err := startKV(client)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
			defer cancel()
			if _, err := kv.Put(ctx, &pb.PutRequest{Key: "hello", Value: []byte("world")}); err != nil {
				return fmt.Errorf("KV.Put: %v", err)
			}
			for w := 0; w < benchWarmUp; w++ {
				if err := checkedGet(kv); err != nil {
					return err
				}
			}
			for _, callers := range append([]int{1}, b.parallel...) {
				line, err := latency(kv, callers, n)
				if err != nil {
					return err
				}
				fmt.Println(line)
			}
			return nil
		}()
		if err != nil {
			return fail(err)
		}
		callers := "1"
		for _, p := range b.parallel {
			callers += "," + strconv.Itoa(p)
		}
		done = append(done, fmt.Sprintf("%d Gets per run, callers %s", n, callers))
	}
	if b.cold > 0 {
		ns := make([]time.Duration, b.cold)
		for r := range ns {
			err := func() error {
				t0 := time.Now()
				client := newBenchClient(autoMTLS, command, log)
				defer client.Kill()
				kv, err := startKV(client)
				if err != nil {
					return err
				}
				if _, err := get(kv); err != nil {
					return err
				}
				ns[r] = time.Since(t0)
				return nil
			}()
			if err != nil {
				return fail(err)
			}
		}
		fmt.Println(summary("cold_start", ns, "%.1f"))
		done = append(done, fmt.Sprintf("%d cold starts", b.cold))
	}
	if b.crash > 0 {
		ns := make([]time.Duration, b.crash)
		for r := range ns {
			d, err := crashDetection(autoMTLS, command, log)
			if err != nil {
				return fail(err)
			}
			ns[r] = d
		}
		fmt.Println(summary("crash_detect", ns, "%.2f"))
		done = append(done, fmt.Sprintf("%d crash detections", b.crash))
	}
	fmt.Printf("PASS bench proto.KV: %s\n", strings.Join(done, ", "))
	return 0
}
