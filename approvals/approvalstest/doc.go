// Package approvalstest holds test doubles and conformance tests for the
// ports of package approvals.
//
// Store is an in-memory approvals.Store that keeps the same rules as the
// Redis store: versions compared on every write, the open-request guard,
// all-or-nothing commits, values encoded as JSON so callers never share
// memory with the ledger. With it the domain is tested without Redis.
//
// RunStore is the conformance suite every approvals.Store must pass; it
// runs against this Store and against the Redis store, so the double
// cannot drift from the real thing.
//
// It imports approvals and the standard library only.
package approvalstest
