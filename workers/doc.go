// Package workers turns approved requests into Admin Console and Marketo
// changes, exactly once, through a persistent Redis-backed task queue
// (github.com/hibiken/asynq).
//
// The flow: the Dispatcher reads the ledger's event outbox and enqueues
// an execute task when a request is approved or retried, and expiry
// tasks when a time-bound grant completes. Task ids are deterministic
// ("exec:DC-1042:0"), so the same task enqueued twice runs once. The
// Reconciler re-enqueues approved or executing requests that have no
// live task, which covers a crash between the approval and the enqueue.
// The Executor runs the provisioning saga step by step, recording every
// step in the request (the step ledger), so a worker killed at any point
// resumes where the last one stopped; every step is idempotent.
//
// Long waits (a Retry-After of 30 minutes, a user not yet visible in
// Marketo) reschedule the task through the queue; a worker never sleeps
// through them.
package workers
