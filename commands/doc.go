// Package commands is the chat front end of chataccess, platform
// neutral: it owns the /dynchat grammar (Parse), the Add, Remove and
// Deny modals, the approval cards with their Approve, Deny, Cancel,
// Retry and "Request extension" buttons, the App Home, and the
// translation of clicks and submissions into approvals.Service calls.
//
// Handler implements bot.Handler. Every actor is built from the chat
// platform's verified profile (Sender.LookupUser) plus the policy's
// user groups it belongs to (bot.ResolveGroups), read from the platform
// at the moment of every command, click and submission (bot.Fresh);
// only the App Home may use a short in-process cache. Typed text never
// names the actor. A request is shown only to its requester, target,
// approvers and admins; a click must name the same request in its block
// and value and come from a message recorded for it. Refusals (unknown
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
// rendering (Block Kit and its limits, showing the text of every span
// inert) belongs to the platform adapters.
package commands
