// Package postack runs the work a chat adapter does after it has
// acknowledged a request: a handler reply's After (cards redrawn, the
// App Home or Home message published, answers posted), with bounded
// concurrency, a bounded queue, a timeout per task and a context that
// outlives the request.
//
// Slack wants an answer within 3 s and Teams within 15 s, so both
// adapters answer first and hand the rest to a Runner. Work that must
// survive a restart belongs in the job queue (workers), not here: the
// Runner is for best-effort follow-ups that take a few seconds.
//
// The package knows no chat platform and no metrics library: each
// adapter passes a function that counts dropped work in its own metrics
// (chataccess_slack_after_dropped_total,
// chataccess_teams_after_dropped_total).
package postack
