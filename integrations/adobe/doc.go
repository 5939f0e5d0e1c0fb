// Package adobe is the Adobe Admin Console side of chataccess: it owns the
// IMS OAuth server-to-server token, the User Management API (UMAPI) action
// and read calls, the sorting of every documented UMAPI code into the
// shared failure reasons (package failure) with Adobe's sentences for
// people, and the Batcher that packs membership changes from many workers
// into action calls of up to ten commands.
//
// Every call has one deadline (Config.HTTPTimeout) for its rate-limit
// wait, token, attempts and the waits between them; a timed-out call is
// never sent again by the client.
//
// Every call first takes a slot from a Redis-counted limiter (package
// ratelimit) so that all replicas together stay inside Adobe's per-client
// limits; waits longer than a few seconds are returned to the caller as a
// rate_limited *failure.Error so the persistent queue can reschedule the work.
//
// Facts about UMAPI are cited from the umapi-documentation repository
// (umapi-doc:<path>) and Adobe's umapi-client.py (umapi-client:<path>).
// The emulator used by tests and the demo mode lives in adobefake.
package adobe
