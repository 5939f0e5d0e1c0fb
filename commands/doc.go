// Package commands is the chat front end of chataccess, platform
// neutral: it owns the /dynchat grammar (Parse), the Add, Remove and
// Deny modals, the approval cards with their Approve, Deny, Cancel,
// Retry and "Request extension" buttons, the App Home, and the
// translation of clicks and submissions into approvals.Service calls.
//
// Handler implements bot.Handler. Every actor is built from the chat
// platform's verified profile (Sender.LookupUser) plus the policy's
// user groups it belongs to (bot.ResolveGroups), cached in process for
// a short time; typed text never names the actor. Refusals (unknown
// package, over-long duration, self-approval, a closed request…) are
// ephemeral sentences and change nothing.
//
// Notifier consumes the store's durable outbox of domain events and
// keeps chat in step with the ledger: it posts approval cards to the
// package's channel and approvers' DMs, redraws every recorded copy in
// place, replies in card threads, DMs requesters and refreshes App
// Homes. Sweeper expires requests whose approval window is over and
// sends reminders, at most once per interval across replicas.
//
// The package builds bot.Message, bot.Modal and bot.Home values only;
// rendering (Block Kit and its limits, escaping of every bot.Plain
// string) belongs to the platform adapter, today bot/slackbot.
package commands
