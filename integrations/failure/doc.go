// Package failure is the one vocabulary for "a vendor call did not work"
// shared by the Adobe and Marketo clients and by the workers that retry
// their calls.
//
// It owns:
//
//   - Reason, the closed set of failure reasons (rate_limited, timeout,
//     not_found, config, unknown, ...). Every Reason has exactly one Class.
//   - Error, the one error type both clients return: vendor, operation,
//     reason, HTTP status, vendor code, scrubbed vendor message, the user
//     and object the call was about, Retry-After, attempts, the wrapped
//     cause, and the sentence shown to people.
//   - Classify, the one retry decision the workers make: Permanent (a
//     person must act), Transient (try again after a backoff, a bounded
//     number of times), RateLimited (come back after the delay the vendor
//     asked for) or Unknown (the vendor said something nobody documented:
//     a few tries, then a sentence for people).
//   - The HTTP plumbing both clients need: Retry-After parsing (seconds or
//     HTTP date, capped, with a flag), reading and closing response bodies,
//     scrubbing secrets out of text, clipping vendor messages to one line,
//     the jittered backoff and a context-aware sleep.
//
// The package knows no vendor: each client sorts its vendor's codes into
// Reasons and supplies its own sentences through Error.Explain. It imports
// the standard library only.
package failure
