package workers

import (
	"fmt"
	"slices"
	"time"
)

// QueueStats is the state of the provisioning queue, for metrics.
type QueueStats struct {
	// Tasks by state: waiting to run, running, due later (a saga's
	// wait), waiting to be retried after an error, given up (archived),
	// kept after completion.
	Pending, Active, Scheduled, Retry, Archived, Completed int
	// Latency is how long the oldest pending task has waited to run.
	Latency time.Duration
	// Processed and Failed count tasks run and tasks that failed since
	// the queue was created (the queue's own totals, kept in Redis).
	Processed, Failed int64
	// Paused says an admin paused the queue.
	Paused bool
}

// Stats reads the queue's state from Redis through the queue's
// inspector: four round trips (the queue list, the queue's existence,
// a script that counts its tasks, and one that samples at most 20 tasks
// of each state for their memory). A queue nothing was ever enqueued on
// is empty.
func (q *Queue) Stats() (QueueStats, error) {
	names, err := q.insp.Queues()
	if err != nil {
		return QueueStats{}, fmt.Errorf("workers: queue stats: %w", err)
	}
	if !slices.Contains(names, q.name) {
		return QueueStats{}, nil
	}
	info, err := q.insp.GetQueueInfo(q.name)
	if err != nil {
		return QueueStats{}, fmt.Errorf("workers: queue stats: %w", err)
	}
	return QueueStats{
		Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled, Retry: info.Retry,
		Archived: info.Archived, Completed: info.Completed, Latency: info.Latency,
		Processed: int64(info.ProcessedTotal), Failed: int64(info.FailedTotal), Paused: info.Paused,
	}, nil
}
