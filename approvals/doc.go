// Package approvals is the domain of chataccess: the access policy
// (packages, approvers, N-of-M, four-eyes, auto-approve rules, duration
// limits), requests and their lifecycle as one typed state enum with one
// transition table, decisions, execution step records and grants, and
// the Service that applies every change as a compare-and-swap through
// the Store port.
//
// It imports the standard library only. Chat platforms, Redis and the
// vendor APIs sit behind the ports declared in ports.go (Store, Clock,
// EventSink); time is always injected.
package approvals
