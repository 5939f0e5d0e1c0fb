package workers_test

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
)

// BenchmarkProvision runs 1000 approved adds through the whole saga
// (Admin Console add through the batcher, confirmation read, Marketo
// role) against the emulators, with Adobe's limits scaled from a minute
// to a second (10 action calls/s, 25 user reads/s) and counted in real
// Redis. It reports the commands per action call, the share of the
// action-call ceiling used while adds were being sent, the total time
// and the peak heap.
//
//	go test -run='^$' -bench Provision -benchtime=1x ./workers/
//
// PROVISION_ADDS=n runs fewer adds while tuning; PROVISION_DEBUG=1 logs
// step timelines.
func BenchmarkProvision(b *testing.B) {
	adds := 1000
	if n, err := strconv.Atoi(os.Getenv("PROVISION_ADDS")); err == nil && n > 0 {
		adds = n // a quicker look while tuning
	}
	limits := adobe.Limits{ActionsPerMinute: 10, UserReadsPerMinute: 25, GroupReadsPerMinute: 5, Period: time.Second}
	for range b.N {
		b.StopTimer()
		r := newRig(b, rigOptions{adobeLimit: &limits, maxLimitWait: 500 * time.Millisecond, batchWindow: 250 * time.Millisecond, quiet: true})
		var ids []string
		for i := range adds {
			ids = append(ids, r.approved(approvals.KindAdd, fmt.Sprintf("bench%04d@example.com", i), "agent", 0))
		}
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
		b.StartTimer()
		start := time.Now()
		r.start(200)
		for {
			n, err := r.st.Count(r.ctx, approvals.ByState(approvals.StateCompleted))
			if err != nil {
				b.Fatal(err)
			}
			if n == int64(adds) {
				break
			}
			if failed, _ := r.st.Count(r.ctx, approvals.ByState(approvals.StateFailed)); failed > 0 {
				reqs, _ := r.st.List(r.ctx, approvals.ByState(approvals.StateFailed), 1)
				b.Fatalf("%d adds failed, e.g. %s: %s", failed, reqs[0].ID, reqs[0].Failure)
			}
			time.Sleep(100 * time.Millisecond)
		}
		total := time.Since(start)
		b.StopTimer()
		close(stop)
		wg.Wait()

		calls, cmds := 0, 0
		var first, last time.Time
		for _, rq := range r.sb.Adobe.Requests() {
			if rq.Kind != adobefake.KindAction || rq.Status != 200 {
				continue
			}
			var body []json.RawMessage
			if err := json.Unmarshal(rq.Body, &body); err != nil {
				b.Fatal(err)
			}
			calls++
			cmds += len(body)
			if first.IsZero() {
				first = rq.Time
			}
			last = rq.Time
		}
		if cmds < adds {
			b.Fatalf("only %d commands for %d adds", cmds, adds)
		}
		rate := float64(limits.ActionsPerMinute) / limits.Period.Seconds()
		allowed := last.Sub(first).Seconds()*rate + 1 // the first call uses the burst
		b.ReportMetric(float64(cmds)/float64(calls), "cmds/call")
		b.ReportMetric(100*float64(calls)/allowed, "ceiling-%")
		b.ReportMetric(total.Seconds(), "total-s")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(r.sb.Adobe.Calls(adobefake.KindUser)+r.sb.Adobe.Calls(adobefake.KindUsers)), "user-reads")
		throttled := 0
		for _, rq := range r.sb.Adobe.Requests() {
			if rq.Status == 429 {
				throttled++
			}
		}
		b.ReportMetric(float64(throttled), "adobe-429s")
		if os.Getenv("PROVISION_DEBUG") != "" {
			waits := map[string]int{}
			reqs, _ := r.st.List(r.ctx, approvals.ByState(approvals.StateCompleted), adds)
			for _, q := range reqs {
				for _, st := range q.Steps {
					waits[st.Name] += st.Attempts
				}
			}
			b.Logf("marketo stats %+v; step attempts %v", r.sb.Marketo.Stats(), waits)
			for _, q := range reqs[:min(5, len(reqs))] {
				line := fmt.Sprintf("%s created +0 started %+.1fs", q.ID, q.StartedAt.Sub(q.CreatedAt).Seconds())
				for _, st := range q.Steps {
					line += fmt.Sprintf(" %s %+.1fs", st.Name, st.At.Sub(q.CreatedAt).Seconds())
				}
				b.Log(line + fmt.Sprintf(" granted %+.1fs", q.GrantedAt.Sub(q.CreatedAt).Seconds()))
			}
		}
		_ = ids
	}
}
