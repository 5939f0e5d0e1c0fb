// Package reviews owns scheduled access reviews: campaigns that ask
// reviewers to keep or revoke every current holder of a package, and the
// drift between the three ledgers (Admin Console profile members,
// Marketo role holders, chataccess grants).
//
// A campaign (Start) snapshots the holders once: each distinct Admin
// Console profile is read page by page (2000 members a read, the fewest
// UMAPI paging allows), Marketo once for every package, and the grants
// ledger; Drift classifies every user, and assign hands each item to the
// package's reviewers minus the holder (nobody reviews their own access;
// such items go to the admins). The campaign and its items are stored
// through the Store port (store/reviews.go); a decision is recorded once
// by compare-and-swap, so double clicks and second reviewers are told
// who decided first. Revoke submits a system-approved remove request
// (approvals.Service.Revoke) that the workers execute like any other.
//
// Sweep sends reminders and, at the deadline, applies on_no_response:
// keep, revoke, or escalate (the undecided items go to the admins with a
// new deadline, once). The closing summary goes to the Notifier, which
// reviewchat implements over the chat Sender. Scheduler runs the cron
// schedules with robfig/cron (Recover, SkipIfStillRunning) and claims
// "<schedule>@<slot>" in Redis so several replicas start each slot once.
//
// The package imports approvals, the standard library and robfig/cron
// only; reviews/inventory adapts the Adobe and Marketo clients to its
// ports and reviews/reviewchat renders its messages.
package reviews
