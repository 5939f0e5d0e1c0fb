package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
)

// Task types.
const (
	TypeExecute = "request:execute"
	TypeExpire  = "grant:expire"
	TypeWarn    = "grant:warn"
)

// payload is the body of every task.
type payload struct {
	RequestID string `json:"request_id,omitempty"`
	Email     string `json:"email,omitempty"`
	Package   string `json:"package,omitempty"`
}

// Queue enqueues tasks with deterministic ids and tells whether a task
// is still live.
type Queue struct {
	client *asynq.Client
	insp   *asynq.Inspector
	name   string
}

// NewQueue returns a queue named name on rdb.
func NewQueue(rdb redis.UniversalClient, name string) *Queue {
	return &Queue{client: asynq.NewClientFromRedisClient(rdb), insp: asynq.NewInspectorFromRedisClient(rdb), name: name}
}

// Name is the asynq queue name.
func (q *Queue) Name() string { return q.name }

// Inspector exposes the queue's inspector for admin commands and tests.
func (q *Queue) Inspector() *asynq.Inspector { return q.insp }

// ExecTaskID is the id of the execute task of a request's current
// execution: the first run is 0, each admin retry adds one.
func ExecTaskID(r *approvals.Request) string {
	n := r.Executions
	if r.State == approvals.StateExecuting && n > 0 {
		n--
	}
	return fmt.Sprintf("exec:%s:%d", r.ID, n)
}

func expireTaskID(requestID string) string { return "expire:" + requestID }
func warnTaskID(requestID string) string   { return "warn:" + requestID }

// enqueue adds a task; a task with the same id already queued is a
// success (that is how duplicates are dropped).
func (q *Queue) enqueue(ctx context.Context, typ, id string, p payload, opts ...asynq.Option) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("workers: encode %s: %w", typ, err)
	}
	opts = append(opts, asynq.TaskID(id), asynq.Queue(q.name), asynq.MaxRetry(maxQueueRetries))
	_, err = q.client.EnqueueContext(ctx, asynq.NewTask(typ, body), opts...)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
		return fmt.Errorf("workers: enqueue %s: %w", id, err)
	}
	return nil
}

// maxQueueRetries lets the queue reschedule a task for as long as the
// Executor wants; the Executor enforces the real caps (attempts and
// total time) and ends a request in failed when they are reached.
const maxQueueRetries = 100000

// EnqueueExecute queues the execution of an approved request.
func (q *Queue) EnqueueExecute(ctx context.Context, r *approvals.Request) error {
	return q.enqueue(ctx, TypeExecute, ExecTaskID(r), payload{RequestID: r.ID}, asynq.Timeout(10*time.Minute))
}

// EnqueueExpiry schedules the end of a time-bound grant, and a warning
// to the holder warnBefore the end (when that is still in the future).
func (q *Queue) EnqueueExpiry(ctx context.Context, g approvals.Grant, warnBefore time.Duration, now time.Time) error {
	if g.Permanent() {
		return nil
	}
	p := payload{RequestID: g.RequestID, Email: g.Email, Package: g.Package}
	if err := q.enqueue(ctx, TypeExpire, expireTaskID(g.RequestID), p, asynq.ProcessAt(g.Until)); err != nil {
		return err
	}
	if warnAt := g.Until.Add(-warnBefore); warnBefore > 0 && warnAt.After(now) {
		return q.enqueue(ctx, TypeWarn, warnTaskID(g.RequestID), p, asynq.ProcessAt(warnAt))
	}
	return nil
}

// Live reports whether the task exists and will still run: pending,
// scheduled, retry or active.
func (q *Queue) Live(id string) (bool, error) {
	info, err := q.insp.GetTaskInfo(q.name, id)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("workers: task %s: %w", id, err)
	}
	switch info.State {
	case asynq.TaskStatePending, asynq.TaskStateScheduled, asynq.TaskStateRetry:
		return true, nil
	case asynq.TaskStateActive:
		// An orphaned active task (its worker died) is recovered by the
		// queue itself once its lease ends, so it still counts as live.
		return true, nil
	}
	return false, nil
}

// Forget deletes a finished or archived task so its id can be used
// again (an admin retry after the queue gave up).
func (q *Queue) Forget(id string) error {
	err := q.insp.DeleteTask(q.name, id)
	if err != nil && !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound) {
		return fmt.Errorf("workers: delete task %s: %w", id, err)
	}
	return nil
}

// Close releases the queue's connections (not the Redis client).
func (q *Queue) Close() error {
	return errors.Join(q.client.Close(), q.insp.Close())
}
