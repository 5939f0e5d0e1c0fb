// Package reviewchat renders access reviews in the neutral chat model
// (bot.Message) and handles their buttons. Notifier implements
// reviews.Notifier over the chat Sender: each reviewer gets one direct
// message they page through (PageSize items a page, inside Block Kit's
// 50 blocks and 3000 characters a section), admins get the drift report
// with "Adopt into ledger" / "Open remove request" buttons, unassigned
// items and the closing summary in the admin channel. Messages are
// remembered per view and updated in place.
//
// Handler answers clicks whose action id starts with Prefix ("review:").
// Button values ("R-12|r3|2|31,32") are outside input and parsed by
// ParseValue, which checks every field; authorisation is decided on the
// stored campaign. It imports reviews, approvals and bot only.
package reviewchat
