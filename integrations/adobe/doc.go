// Package adobe is the Adobe Admin Console side of chataccess: it owns the
// IMS OAuth server-to-server token, the User Management API (UMAPI) action
// and read calls, the classification of every UMAPI failure into a small
// closed set of reasons, and the Batcher that packs membership changes from
// many workers into action calls of up to ten commands.
//
// Every call first takes a slot from a Redis-counted limiter (package
// ratelimit) so that all replicas together stay inside Adobe's per-client
// limits; waits longer than a few seconds are returned to the caller as a
// rate_limited *Error so the persistent queue can reschedule the work.
//
// Facts about UMAPI are cited from the umapi-documentation repository
// (umapi-doc:<path>) and Adobe's umapi-client.py (umapi-client:<path>).
// The emulator used by tests and the demo mode lives in adobefake.
package adobe
