// Package store is the Redis ledger of chataccess: requests, grants,
// indexes, the event outbox and the hash-chained audit trail.
//
// Every key name is built in keys.go under one versioned prefix. All
// ledger keys share the hash tag {ledger}, so on Redis Cluster they live
// in one slot and a single Lua script can change a request, its
// indexes, its grant, the outbox and the audit trail atomically. The
// ledger is small (thousands of requests a year); a single total order
// is what the hash-chained audit trail needs anyway. High-volume keys
// (rate limits, Slack event de-duplication, the job queue) live outside
// the tag and spread over the cluster.
//
// Every change is a compare-and-swap: Commit refuses to write when a
// request's stored version differs from the version the caller read,
// so two approvers clicking at once cannot both win.
package store
