// Package teamsbot is the Microsoft Teams adapter of chataccess and the
// only package that knows the Bot Framework. There is no maintained Go
// Bot Framework SDK, so it speaks the REST protocol itself.
//
// It owns:
//   - ingress: POST /api/messages, where every activity carries a Bot
//     Framework JWT that is checked in full (RS256 only, issuer, audience
//     = the app id, 5 minutes of leeway, expiry required, the serviceurl
//     claim equal to the activity's serviceUrl, and the signing key
//     endorsed for the activity's channel) before anything is parsed
//     further, stored or called;
//   - activity handling: messages (the /dynchat grammar typed to the bot,
//     with its @mention stripped) become bot.Command values, Universal
//     Actions (adaptiveCard/action invokes) become bot.Action values and
//     dialogs (task/fetch, task/submit) stand in for Slack modals; invoke
//     answers are computed inside the request and returned in its body;
//   - de-duplication of redelivered activities by activity id, and the
//     conversation references, people, open dialogs and current cards it
//     remembers, all through ports the store implements (Claimer, Memory);
//   - the Adaptive Card renderer (schema 1.5): user text is inert, cards
//     stay under Teams' size limit, approval cards refresh per viewer;
//   - the Bot Connector Sender (bot.Sender): a single-tenant
//     client-credentials token, posts, updates, proactive personal chats,
//     member look-ups, Entra ID group members through Microsoft Graph,
//     per-conversation pacing and bounded retries on 429, 412, 502, 504.
//
// The fake Bot Connector and token issuer used by the tests are in
// teamsfake.
package teamsbot
