// Command go18-kv-host is a go-plugin v1.8.0 host used as an interop peer, written the way
// go-plugin's examples/grpc and examples/bidirectional hosts are.
//
//	go18-kv-host [--counter] [--automtls] [--mux] [--stdio-test] [--socket-dir DIR] [--socket-group GROUP]
//	    [--big MB] [--crash-key KEY] [--hang-key KEY] [--bench N [--bench-par P[,P...]]] [--cold N] [--crash N]
//	    -- CMD [ARGS...]
//
// It launches CMD ARGS as a gRPC plugin (handshake 1 / BASIC_PLUGIN=hello) and runs one scenario:
//   - default:          dispense "kv", Put("hello","world"), Get("hello") must be "world";
//   - --counter:        dispense "counter", Put 5 then 7 on "c", each with proto.AddHelper served under
//     a fresh broker id, Get("c") must be 12 and exactly 2 Sum calls must have reached the host;
//   - --stdio-test:     the plugin runs with KV_PRINT=1; after Put("hello","world") its two kv-print
//     lines must arrive on SyncStdout and SyncStderr (go-plugin's stdio service), each within 5 s;
//   - --big MB:         Put a value of MB MiB and Get it back identical;
//   - --crash-key KEY:  the plugin runs with KV_CRASH_ON=KEY; Get(KEY) must fail and the client must
//     see the process exit (Exited()) within 5 s;
//   - --hang-key KEY:   the plugin runs with KV_HANG_ON=KEY; Get(KEY) with a 1 s deadline must fail
//     with DeadlineExceeded, and Put/Get "hello" must still work afterwards.
//
// Connection options, in any combination: --automtls (ClientConfig.AutoMTLS; every call and
// callback must then have run over TLS), --mux (GRPCBrokerMultiplex: the broker knocks over the one
// yamux session), --socket-dir DIR (a RunnerFunc with UnixSocketConfig.TempDir=DIR, the only way
// go-plugin gives a plugin PLUGIN_UNIX_SOCKET_DIR: the plugin's socket must be inside DIR, and DIR
// must hold nothing of the plugin's after Kill), --socket-group GROUP (UnixSocketConfig.Group: the
// plugin's socket must belong to GROUP with mode 0660).
//
// The benchmark options (runBench in bench.go, shared with go-kv-host) measure the KV plugin exactly
// as java-kv-host does and print the same "BENCH ..." lines before the PASS line; they combine only
// with --automtls and --mux.
//
// The last stdout line is "PASS <details>" (exit 0) or "FAIL <reason>" (exit 1); usage errors
// exit 2. Logs, including the plugin's forwarded stderr, go to stderr.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

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
	return errors.New("go18-kv-host: the kv server lives in the plugin")
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
	return errors.New("go18-kv-host: the counter server lives in the plugin")
}

func (counterPlugin) GRPCClient(_ context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return &counterClient{counter: pb.NewCounterClient(c), broker: b}, nil
}

// addHelper is the host-side callback service; it counts the Sum calls it answers, and those
// that came over TLS with a client certificate.
type addHelper struct {
	pb.UnimplementedAddHelperServer
	calls, tlsCalls int64
	log             hclog.Logger
}

func (h *addHelper) Sum(ctx context.Context, req *pb.SumRequest) (*pb.SumResponse, error) {
	n := atomic.AddInt64(&h.calls, 1)
	if p, ok := peer.FromContext(ctx); ok {
		if info, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(info.State.PeerCertificates) > 0 {
			atomic.AddInt64(&h.tlsCalls, 1)
		}
	}
	h.log.Debug("AddHelper.Sum", "a", req.A, "b", req.B, "call", n)
	return &pb.SumResponse{R: req.A + req.B}, nil
}

// callCheck counts the host's calls on the plugin connection by the security they ran over.
type callCheck struct{ tls, plain int64 }

func (c *callCheck) intercept(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	var p peer.Peer
	err := invoker(ctx, method, req, reply, cc, append(opts, grpc.Peer(&p))...)
	if info, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(info.State.PeerCertificates) > 0 {
		atomic.AddInt64(&c.tls, 1)
	} else if p.Addr != nil {
		atomic.AddInt64(&c.plain, 1)
	}
	return err
}

// lineWatch is a SyncStdout/SyncStderr writer: it logs each line and signals when want arrives.
type lineWatch struct {
	want string
	seen chan struct{}
	log  hclog.Logger

	mu      sync.Mutex
	partial []byte
	once    sync.Once
}

func newLineWatch(want string, log hclog.Logger) *lineWatch {
	return &lineWatch{want: want, seen: make(chan struct{}), log: log}
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		w.log.Info("synced line", "line", line)
		if line == w.want {
			w.once.Do(func() { close(w.seen) })
		}
	}
}

// ---- a minimal runner (for --socket-dir) ---------------------------------------------------

// execRunner implements go-plugin's runner.Runner with os/exec, much as go-plugin's internal
// cmdrunner does. go-plugin creates a plugin-dir* socket directory (inside UnixSocketConfig.TempDir)
// and passes it as PLUGIN_UNIX_SOCKET_DIR only when the host supplies a RunnerFunc (client.go, Start);
// Kill removes it.
type execRunner struct {
	cmd            *exec.Cmd
	stdout, stderr io.ReadCloser
	addrTranslator
}

var _ runner.Runner = (*execRunner)(nil)

// execRunnerFunc returns a RunnerFunc that runs command with env plus the variables go-plugin put
// into its prepared command.
func execRunnerFunc(command, env []string) func(hclog.Logger, *exec.Cmd, string) (runner.Runner, error) {
	return func(log hclog.Logger, prepared *exec.Cmd, socketDir string) (runner.Runner, error) {
		cmd := exec.Command(command[0], command[1:]...)
		cmd.Env = append(append([]string(nil), env...), prepared.Env...)
		cmd.Stdin = prepared.Stdin
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return nil, err
		}
		log.Debug("runner prepared", "command", strings.Join(command, " "), "socket_dir", socketDir)
		return &execRunner{cmd: cmd, stdout: stdout, stderr: stderr}, nil
	}
}

func (r *execRunner) Start(context.Context) error     { return r.cmd.Start() }
func (r *execRunner) Diagnose(context.Context) string { return "" }
func (r *execRunner) Stdout() io.ReadCloser           { return r.stdout }
func (r *execRunner) Stderr() io.ReadCloser           { return r.stderr }
func (r *execRunner) Name() string                    { return r.cmd.Path }
func (r *execRunner) Wait(context.Context) error      { return r.cmd.Wait() }

func (r *execRunner) Kill(context.Context) error {
	if r.cmd.Process == nil {
		return nil
	}
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

func (r *execRunner) ID() string {
	if r.cmd.Process == nil {
		return ""
	}
	return strconv.Itoa(r.cmd.Process.Pid)
}

// addrTranslator: host and plugin see the same addresses.
type addrTranslator struct{}

func (addrTranslator) PluginToHost(network, address string) (string, string, error) {
	return network, address, nil
}

func (addrTranslator) HostToPlugin(network, address string) (string, string, error) {
	return network, address, nil
}

// ---- configuration -------------------------------------------------------------------------

type options struct {
	scenario               string // kv, counter, stdio, big, crash-key, hang-key
	autoMTLS, mux          bool
	socketDir, socketGroup string
	bigMiB                 int
	crashKey, hangKey      string
	bench                  benchOptions
	command                []string
}

// pluginEnv is the plugin's environment: the host's own without the KV_* contract variables, plus
// extra. Clients run with SkipHostEnv because go-plugin appends the host's environment after
// Cmd.Env, so a KV_* variable of the host's would override the scenario's.
func pluginEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KV_CRASH_ON=") && !strings.HasPrefix(kv, "KV_HANG_ON=") &&
			!strings.HasPrefix(kv, "KV_PRINT=") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// clientConfig is the configuration of one plugin client for these options.
func clientConfig(o options, log hclog.Logger, env []string, stdout, stderr io.Writer,
	dialOptions ...grpc.DialOption) *plugin.ClientConfig {
	config := &plugin.ClientConfig{
		HandshakeConfig:     handshake,
		Plugins:             plugin.PluginSet{"kv": kvPlugin{}, "counter": counterPlugin{}},
		AllowedProtocols:    []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:            o.autoMTLS,
		GRPCBrokerMultiplex: o.mux,
		SkipHostEnv:         true,
		Logger:              log,
		StartTimeout:        30 * time.Second,
		SyncStdout:          stdout,
		SyncStderr:          stderr,
		GRPCDialOptions:     dialOptions,
	}
	if o.socketDir != "" || o.socketGroup != "" {
		config.UnixSocketConfig = &plugin.UnixSocketConfig{TempDir: o.socketDir, Group: o.socketGroup}
	}
	if o.socketDir != "" {
		config.RunnerFunc = execRunnerFunc(o.command, env)
	} else {
		// PLUGIN_UNIX_SOCKET_GROUP is set without a runner too.
		cmd := exec.Command(o.command[0], o.command[1:]...)
		cmd.Env = env
		config.Cmd = cmd
	}
	return config
}

// ---- scenarios -----------------------------------------------------------------------------

func dispenseKV(rpc plugin.ClientProtocol) (pb.KVClient, error) {
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

// putGetHello is Put("hello","world") then Get("hello"), which must be "world".
func putGetHello(kv pb.KVClient) error {
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	if _, err := kv.Put(ctx, &pb.PutRequest{Key: "hello", Value: []byte("world")}); err != nil {
		return fmt.Errorf("KV.Put: %v", err)
	}
	resp, err := kv.Get(ctx, &pb.GetRequest{Key: "hello"})
	if err != nil {
		return fmt.Errorf("KV.Get: %v", err)
	}
	if string(resp.Value) != "world" {
		return fmt.Errorf("KV.Get(hello) = %q, want %q", resp.Value, "world")
	}
	return nil
}

func runKV(rpc plugin.ClientProtocol) (string, error) {
	kv, err := dispenseKV(rpc)
	if err != nil {
		return "", err
	}
	if err := putGetHello(kv); err != nil {
		return "", err
	}
	return `kv Put/Get hello="world"`, nil
}

func runCounter(rpc plugin.ClientProtocol, helper *addHelper) (string, error) {
	raw, err := rpc.Dispense("counter")
	if err != nil {
		return "", fmt.Errorf("dispense counter: %v", err)
	}
	cc, ok := raw.(*counterClient)
	if !ok {
		return "", fmt.Errorf("dispense counter: unexpected type %T", raw)
	}
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
	// main waits for AcceptAndServe to return so that a listener's socket file is removed before
	// the process exits.
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

func runStdio(rpc plugin.ClientProtocol, stdout, stderr *lineWatch) (string, error) {
	kv, err := dispenseKV(rpc)
	if err != nil {
		return "", err
	}
	if err := putGetHello(kv); err != nil {
		return "", err
	}
	deadline := time.After(5 * time.Second)
	for _, w := range []struct {
		name  string
		watch *lineWatch
	}{{"SyncStdout", stdout}, {"SyncStderr", stderr}} {
		select {
		case <-w.watch.seen:
		case <-deadline:
			return "", fmt.Errorf("%q did not arrive on %s within 5 s of the Put", w.watch.want, w.name)
		}
	}
	return fmt.Sprintf(`stdio %q on SyncStdout and %q on SyncStderr`, stdout.want, stderr.want), nil
}

func runBig(rpc plugin.ClientProtocol, mib int) (string, error) {
	kv, err := dispenseKV(rpc)
	if err != nil {
		return "", err
	}
	value := make([]byte, mib<<20)
	for i := range value {
		value[i] = byte(i % 251) // deterministic, and no power-of-two period
	}
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	t0 := time.Now()
	if _, err := kv.Put(ctx, &pb.PutRequest{Key: "big", Value: value}); err != nil {
		return "", fmt.Errorf("KV.Put(big, %d MiB): %v", mib, err)
	}
	resp, err := kv.Get(ctx, &pb.GetRequest{Key: "big"})
	if err != nil {
		return "", fmt.Errorf("KV.Get(big): %v", err)
	}
	if !bytes.Equal(resp.Value, value) {
		return "", fmt.Errorf("KV.Get(big) returned %d bytes that differ from the %d put", len(resp.Value), len(value))
	}
	return fmt.Sprintf("big Put/Get of %d MiB (%d bytes) identical in %.0f ms", mib, len(value),
		float64(time.Since(t0))/1e6), nil
}

func runCrashKey(rpc plugin.ClientProtocol, client *plugin.Client, key string) (string, error) {
	kv, err := dispenseKV(rpc)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	t0 := time.Now()
	if _, err = kv.Get(ctx, &pb.GetRequest{Key: key}); err == nil {
		return "", fmt.Errorf("KV.Get(%q) succeeded; the plugin should have exited (KV_CRASH_ON)", key)
	}
	for !client.Exited() {
		if time.Since(t0) > 5*time.Second {
			return "", fmt.Errorf("KV.Get(%q) failed (%v) but the client did not report Exited() within 5 s", key, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Sprintf("crash-key Get(%q) failed with %s, Exited() after %.0f ms", key, status.Code(err),
		float64(time.Since(t0))/1e6), nil
}

func runHangKey(rpc plugin.ClientProtocol, key string) (string, error) {
	kv, err := dispenseKV(rpc)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	t0 := time.Now()
	_, err = kv.Get(ctx, &pb.GetRequest{Key: key})
	took := time.Since(t0)
	if status.Code(err) != codes.DeadlineExceeded {
		return "", fmt.Errorf("KV.Get(%q) with a 1 s deadline: want DeadlineExceeded, got %v", key, err)
	}
	if err := putGetHello(kv); err != nil {
		return "", fmt.Errorf("after the hung Get: %v", err)
	}
	return fmt.Sprintf(`hang-key Get(%q) failed with DeadlineExceeded after %.2f s, then Put/Get hello="world"`,
		key, took.Seconds()), nil
}

// ---- socket checks -------------------------------------------------------------------------

// checkSocket checks the plugin's address against --socket-dir and --socket-group.
func checkSocket(client *plugin.Client, o options) (string, error) {
	rc := client.ReattachConfig()
	if rc == nil || rc.Addr == nil {
		return "", errors.New("no plugin address after the start")
	}
	network, address := rc.Addr.Network(), rc.Addr.String()
	details := network + " " + address
	if o.socketDir != "" {
		rel, err := filepath.Rel(o.socketDir, address)
		if network != "unix" || err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			return "", fmt.Errorf("plugin address %s %s is not inside --socket-dir %s", network, address, o.socketDir)
		}
		details += ", inside --socket-dir"
	}
	if o.socketGroup != "" {
		if network != "unix" {
			return "", fmt.Errorf("plugin address %s %s is no unix socket", network, address)
		}
		gid, err := lookupGroup(o.socketGroup)
		if err != nil {
			return "", err
		}
		info, err := os.Stat(address)
		if err != nil {
			return "", fmt.Errorf("plugin socket: %v", err)
		}
		st := info.Sys().(*syscall.Stat_t)
		if int(st.Gid) != gid || info.Mode().Perm() != 0o660 {
			return "", fmt.Errorf("plugin socket %s has gid %d and mode %04o, want gid %d (%s) and 0660",
				address, st.Gid, info.Mode().Perm(), gid, o.socketGroup)
		}
		details += fmt.Sprintf(", socket group %s (gid %d) mode 0660", o.socketGroup, gid)
	}
	return details, nil
}

// lookupGroup resolves a group name or numeric gid, as go-plugin does for UnixSocketConfig.Group.
func lookupGroup(group string) (int, error) {
	if gid, err := strconv.Atoi(group); err == nil {
		return gid, nil
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(g.Gid)
}

func dirEntries(dir string) (map[string]bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names, nil
}

// ---- main ----------------------------------------------------------------------------------

// drive starts the plugin, checks its socket and runs the scenario; the caller kills the plugin.
func drive(client *plugin.Client, o options, helper *addHelper, stdout, stderr *lineWatch,
	calls *callCheck) (details string, err error) {
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
	transport, err := checkSocket(client, o)
	if err != nil {
		return "", err
	}
	switch o.scenario {
	case "counter":
		details, err = runCounter(rpc, helper)
	case "stdio":
		details, err = runStdio(rpc, stdout, stderr)
	case "big":
		details, err = runBig(rpc, o.bigMiB)
	case "crash-key":
		details, err = runCrashKey(rpc, client, o.crashKey)
	case "hang-key":
		details, err = runHangKey(rpc, o.hangKey)
	default:
		details, err = runKV(rpc)
	}
	if err != nil {
		return "", err
	}
	if o.mux {
		transport += ", broker multiplexed over one yamux session"
	}
	if o.autoMTLS {
		tls, plain := atomic.LoadInt64(&calls.tls), atomic.LoadInt64(&calls.plain)
		sums, tlsSums := atomic.LoadInt64(&helper.calls), atomic.LoadInt64(&helper.tlsCalls)
		if plain > 0 || tls == 0 || tlsSums != sums {
			return "", fmt.Errorf("AutoMTLS: %d calls over TLS and %d without, %d of %d callbacks over TLS",
				tls, plain, tlsSums, sums)
		}
		transport += fmt.Sprintf(", automtls: %d calls", tls)
		if sums > 0 {
			transport += fmt.Sprintf(" and %d callbacks", sums)
		}
		transport += " over mutual TLS"
	}
	return fmt.Sprintf("%s (protocol %s, version %d, %s)", details, client.Protocol(), client.NegotiatedVersion(),
		transport), nil
}

// run launches the plugin, runs the scenario, kills the plugin and checks what it left behind.
func run(o options, log hclog.Logger) (string, error) {
	var env []string
	var stdout, stderr *lineWatch
	var syncStdout, syncStderr io.Writer
	switch o.scenario {
	case "stdio":
		env = pluginEnv("KV_PRINT=1")
		stdout = newLineWatch("kv-print stdout: put key=hello bytes=5", log.Named("stdout"))
		stderr = newLineWatch("kv-print stderr: put key=hello bytes=5", log.Named("stderr"))
		syncStdout, syncStderr = stdout, stderr
	case "crash-key":
		env = pluginEnv("KV_CRASH_ON=" + o.crashKey)
	case "hang-key":
		env = pluginEnv("KV_HANG_ON=" + o.hangKey)
	default:
		env = pluginEnv()
	}
	var before map[string]bool
	if o.socketDir != "" {
		var err error
		if before, err = dirEntries(o.socketDir); err != nil {
			return "", fmt.Errorf("--socket-dir: %v", err)
		}
	}
	calls := &callCheck{}
	helper := &addHelper{log: log.Named("addhelper")}
	client := plugin.NewClient(clientConfig(o, log, env, syncStdout, syncStderr,
		grpc.WithChainUnaryInterceptor(calls.intercept)))
	details, err := drive(client, o, helper, stdout, stderr, calls)
	client.Kill()
	waitBrokerServers(log)
	if err != nil {
		return "", err
	}
	if o.socketDir != "" {
		after, err := dirEntries(o.socketDir)
		if err != nil {
			return "", fmt.Errorf("--socket-dir after Kill: %v", err)
		}
		var left []string
		for name := range after {
			if !before[name] {
				left = append(left, name)
			}
		}
		if len(left) > 0 {
			return "", fmt.Errorf("after Kill --socket-dir %s still holds %s", o.socketDir, strings.Join(left, ", "))
		}
		details += ", nothing left in --socket-dir after Kill"
	}
	return details, nil
}

const usageLine = "usage: go18-kv-host [--counter] [--automtls] [--mux] [--stdio-test] [--socket-dir DIR] " +
	"[--socket-group GROUP] [--big MB] [--crash-key KEY] [--hang-key KEY] [--bench N [--bench-par P[,P...]]] " +
	"[--cold N] [--crash N] -- CMD [ARGS...]"

func usage(msg string) {
	fmt.Fprintf(os.Stderr, "go18-kv-host: %s\n%s\n", msg, usageLine)
	os.Exit(2)
}

func parseArgs(args []string) options {
	var o options
	setScenario := func(name string) {
		if o.scenario != "" && o.scenario != name {
			usage(fmt.Sprintf("choose one scenario: --%s and --%s cannot be combined", o.scenario, name))
		}
		o.scenario = name
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			o.command = args[i+1:]
			break
		}
		value := func() string {
			if i+1 >= len(args) || args[i+1] == "--" {
				usage(fmt.Sprintf("option %s needs a value", a))
			}
			i++
			return args[i]
		}
		switch a {
		case "--counter":
			setScenario("counter")
		case "--stdio-test":
			setScenario("stdio")
		case "--automtls":
			o.autoMTLS = true
		case "--mux":
			o.mux = true
		case "--socket-dir":
			dir, err := filepath.Abs(value())
			if err != nil {
				usage(fmt.Sprintf("--socket-dir: %v", err))
			}
			if info, err := os.Stat(dir); err != nil || !info.IsDir() {
				usage(fmt.Sprintf("--socket-dir %s is not an existing directory", dir))
			}
			o.socketDir = dir
		case "--socket-group":
			o.socketGroup = value()
		case "--big":
			setScenario("big")
			n, err := strconv.Atoi(value())
			if err != nil || n <= 0 || n > 2000 {
				usage(fmt.Sprintf("option --big needs a number of MiB from 1 to 2000, not %q", args[i]))
			}
			o.bigMiB = n
		case "--crash-key":
			setScenario("crash-key")
			o.crashKey = value()
		case "--hang-key":
			setScenario("hang-key")
			o.hangKey = value()
		case "--bench", "--bench-par", "--cold", "--crash":
			if i+1 >= len(args) {
				usage(fmt.Sprintf("option %s needs a positive number", a))
			}
			if err := o.bench.set(a, args[i+1]); err != nil {
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
	if len(o.command) == 0 {
		usage("missing -- CMD")
	}
	if o.bench.any() && (o.scenario != "" || o.socketDir != "" || o.socketGroup != "") {
		usage("--bench, --cold and --crash combine only with --automtls and --mux")
	}
	if o.scenario == "" {
		o.scenario = "kv"
	}
	return o
}

func main() {
	o := parseArgs(os.Args[1:])
	if o.bench.any() {
		benchLog := hclog.New(&hclog.LoggerOptions{Name: "go18-kv-host", Level: hclog.Info, Output: os.Stderr})
		os.Exit(runBench(o.bench, func() *plugin.Client {
			return plugin.NewClient(clientConfig(o, benchLog, pluginEnv(), nil, nil))
		}))
	}

	log := hclog.New(&hclog.LoggerOptions{
		Name:   "go18-kv-host",
		Level:  hclog.Debug,
		Output: os.Stderr,
	})

	mode := o.scenario
	for _, opt := range []struct {
		on   bool
		name string
	}{{o.autoMTLS, "automtls"}, {o.mux, "mux"}, {o.socketDir != "", "socket-dir"}, {o.socketGroup != "", "socket-group"}} {
		if opt.on {
			mode += "+" + opt.name
		}
	}
	log.Info("running scenario", "mode", mode, "plugin", strings.Join(o.command, " "))

	details, err := run(o, log)
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
