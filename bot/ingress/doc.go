// Package ingress is what every chat adapter does with an inbound
// request around its own parsing: read the body within a size limit,
// refusing a larger one unread, and call the platform-neutral handler
// so that a panic in it becomes an error the adapter answers, not a
// dead connection. Work after the acknowledgement runs on
// bot/postack's Runner, which contains panics the same way.
//
// The package knows no chat platform; its outcomes are the names both
// adapters' request metrics use (too_large, bad_request).
package ingress
