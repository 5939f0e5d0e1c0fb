// Package metrics owns the Prometheus metrics an on-call person watches:
// what the bot has to do (requests by state, approvals waiting and for
// how long), whether provisioning works (steps by system and result,
// executions, the job queue), how the vendors answer (calls by outcome,
// 429s, retries, waits, the rate-limit budget used), and whether the
// plumbing keeps up (outbox lag, dead letters, review campaigns, the
// audit chain and its checkpoints). It registers them on the
// prometheus.Registerer it is given; nothing here is global.
//
// Two kinds of metrics:
//
//   - Events, counted as they happen, through ports the other packages
//     declare: failure.Observer (the Adobe and Marketo clients),
//     workers.Observer (the provisioning saga), and a wrapper around the
//     shared rate limiter. The domain (approvals) and the chat model
//     (bot) know nothing of this package.
//   - State, read from Redis when Prometheus scrapes: the ledger's
//     counts (store.Store.Stats) and the job queue (workers.Queue.Stats).
//     Each read has a deadline (ReadTimeout) and is shared by every
//     scrape within MinReadInterval, so a scrape costs a bounded number
//     of Redis commands however often and by however many servers it is
//     scraped. State gauges describe the whole ledger, so every replica
//     reports the same values: aggregate them with max, not sum.
//
// Labels are bounded: vendor, operation (the clients' constants), outcome
// and reason (failure.Reason), system, step result, request state,
// package (the policy's), outbox group, queue state, rate limit. No label
// carries a person, an email, a request id or free text; the tests scrape
// a registry after real traffic and check that.
//
// The metric names, types and labels are listed in docs/operations.md
// (Metrics and alerts), with the alert rules in deploy/prometheus and
// the dashboard in deploy/grafana that use them.
package metrics
