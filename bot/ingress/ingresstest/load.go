// Package ingresstest is the load the chat adapters' Ingress benchmarks
// put on their HTTP endpoints: 200 senders, each sending at its own
// pace, against the adapter's endpoint and, in the same run, a bare
// handler that only checks the platform's authentication and answers
// 200; and the figures they report. Tests only.
package ingresstest

import (
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Senders is how many senders send at once.
const Senders = 200

// Load sends requests from Senders concurrent senders, each every
// Interval (INGRESS_BENCH_INTERVAL, default 200 ms: 1000 requests a
// second offered, far above a real workspace or tenant; 0 makes the
// senders closed-loop, to measure saturation, where latency is then
// concurrency / throughput).
type Load struct {
	// Request builds what a sender sends to target: sender is its
	// number, seq a number unique in the run.
	Request  func(target string, sender int, seq int64) *http.Request
	Interval time.Duration
	client   *http.Client
	seq      atomic.Int64
}

// NewLoad returns a load that sends request's requests.
func NewLoad(b *testing.B, request func(target string, sender int, seq int64) *http.Request) *Load {
	b.Helper()
	l := &Load{Request: request, Interval: 200 * time.Millisecond,
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000}}}
	if s := os.Getenv("INGRESS_BENCH_INTERVAL"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("INGRESS_BENCH_INTERVAL: %v", err)
		}
		l.Interval = d
	}
	return l
}

// Run sends n requests to target, spread over the senders, and returns
// their latencies. A request that fails or is not answered 200 fails
// the benchmark.
func (l *Load) Run(b *testing.B, target string, n int) []time.Duration {
	var next atomic.Int64
	var mu sync.Mutex
	all := make([]time.Duration, 0, n)
	var wg sync.WaitGroup
	for sender := range Senders {
		wg.Go(func() {
			lat := l.send(b, target, sender, &next, int64(n))
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all
}

// send is one sender: it takes the next of n requests until none is
// left, keeping its pace.
func (l *Load) send(b *testing.B, target string, sender int, next *atomic.Int64, n int64) []time.Duration {
	var lat []time.Duration
	due := time.Now()
	if l.Interval > 0 {
		due = due.Add(time.Duration(rand.Int64N(int64(l.Interval))))
	}
	for next.Add(1) <= n {
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		due = due.Add(l.Interval)
		req := l.Request(target, sender, l.seq.Add(1))
		t0 := time.Now()
		resp, err := l.client.Do(req)
		if err != nil {
			b.Error(err)
			return lat
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(t0))
		if resp.StatusCode != http.StatusOK {
			b.Errorf("status %d", resp.StatusCode)
			return lat
		}
	}
	return lat
}

// Compare warms both servers up (2×Senders requests each: the
// connections opened, scripts loaded), then sends b.N requests to each
// in ten alternating rounds, so load from outside the benchmark (a
// shared machine) falls on both alike. It reports the offered rate,
// p50 and p99 in ms of ours (p50-ms, p99-ms) and of bare (bare-p50-ms,
// bare-p99-ms), and the ratio of the p99s (x-bare). Every server gets
// b.N + 2×Senders requests in all.
func (l *Load) Compare(b *testing.B, bare, ours string) {
	l.Run(b, bare, 2*Senders)
	l.Run(b, ours, 2*Senders)
	b.ResetTimer()
	var bareLat, ourLat []time.Duration
	for i := range 10 {
		n := b.N/10 + min(1, max(0, b.N%10-i))
		bareLat = append(bareLat, l.Run(b, bare, n)...)
		ourLat = append(ourLat, l.Run(b, ours, n)...)
	}
	b.StopTimer()
	slices.Sort(bareLat)
	slices.Sort(ourLat)
	if l.Interval > 0 {
		b.ReportMetric(float64(Senders)/l.Interval.Seconds(), "offered-rps")
	}
	b.ReportMetric(Percentile(ourLat, 0.50), "p50-ms")
	b.ReportMetric(Percentile(ourLat, 0.99), "p99-ms")
	b.ReportMetric(Percentile(bareLat, 0.50), "bare-p50-ms")
	b.ReportMetric(Percentile(bareLat, 0.99), "bare-p99-ms")
	if bp := Percentile(bareLat, 0.99); bp > 0 {
		b.ReportMetric(Percentile(ourLat, 0.99)/bp, "x-bare")
	}
}

// Percentile is the q-quantile (0.5, 0.99) of sorted latencies, in ms.
func Percentile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return float64(sorted[min(len(sorted)-1, int(q*float64(len(sorted))))].Microseconds()) / 1000
}
