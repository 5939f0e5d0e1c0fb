package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// BenchmarkTransitions measures full lifecycle transitions against real
// Redis: each iteration is one compare-and-swap commit (submit, approve,
// start, complete, cycling over fresh requests), with the audit chain
// and outbox written in the same script. It reports transitions per
// second and the p50/p99 latency of a single transition.
//
//	go test -run='^$' -bench Transitions -benchtime=3000x ./store/
func BenchmarkTransitions(b *testing.B) {
	for _, par := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", par), func(b *testing.B) {
			rdb, prefix := redistest.Client(b)
			st := store.New(rdb, prefix)
			svc := approvals.NewService(policy([]string{"a1@example.com"}, 1), st, approvals.ClockFunc(time.Now))
			ctx := context.Background()
			var n atomic.Int64
			lat := make([][]time.Duration, par)
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for w := range par {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var id string
					for i := 0; n.Add(1) <= int64(b.N); i++ {
						t := time.Now()
						var err error
						switch i % 4 {
						case 0:
							var r *approvals.Request
							r, err = svc.Submit(ctx, approvals.SubmitInput{
								Kind: approvals.KindAdd, Package: "agent", Permanent: true, Justification: "bench",
								Target:    approvals.Target{Email: fmt.Sprintf("w%d-%d@example.com", w, i)},
								Requester: actor("lead@example.com"),
							})
							if err == nil {
								id = r.ID
							}
						case 1:
							_, err = svc.Approve(ctx, id, actor("a1@example.com"), "")
						case 2:
							_, err = svc.StartExecution(ctx, id)
						case 3:
							_, err = svc.Complete(ctx, id)
						}
						if err != nil {
							b.Error(err)
							return
						}
						lat[w] = append(lat[w], time.Since(t))
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			all := slices.Concat(lat...)
			slices.Sort(all)
			if len(all) == 0 {
				return
			}
			b.ReportMetric(float64(len(all))/elapsed.Seconds(), "transitions/s")
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
