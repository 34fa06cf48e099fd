// The benchmarks of the Go interop hosts: the same measurements and output lines as java-kv-host's
// KvHost.Bench. build.sh copies this file next to each host's main.go (go-kv-host on go-plugin
// v1.0.1, go18-kv-host on v1.8.0), so it uses only API that both go-plugin versions have. Each host
// passes a function that makes a new, unstarted client configured the way it was asked to run.
package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	plugin "github.com/hashicorp/go-plugin"

	pb "outpost.dev/interop/proto"
)

// rpcTimeout is the per-call deadline a Java host applies by default; the hosts use it everywhere.
const rpcTimeout = 30 * time.Second

// benchWarmUp is the number of untimed Get calls before the timed ones, and before the timed run of
// each number of concurrent callers (as KvHost.Bench does: a JVM compiles the concurrent paths then).
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

// oneLine folds an error message onto one line for the PASS/FAIL line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
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
// until client.Exited() is seen true, polled every 20 µs (go-plugin has no exit callback; Exited()
// turns true when its goroutine's Wait on the process returns).
func crashDetection(newClient func() *plugin.Client) (time.Duration, error) {
	client := newClient()
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
// newClient returns a new, unstarted client for one plugin process.
func runBench(b benchOptions, newClient func() *plugin.Client) int {
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
			client := newClient()
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
				if callers > 1 {
					if _, err := latency(kv, callers, benchWarmUp); err != nil {
						return err
					}
				}
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
				client := newClient()
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
			d, err := crashDetection(newClient)
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
