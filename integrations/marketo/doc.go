// Package marketo is the chataccess client for Adobe Marketo Engage: the
// identity token (/identity/oauth/token) and the User Management API
// (/userservice/management/v1/...), which the workers use to give a user
// the Marketo role that carries "Access Dynamic Chat" and to take it away.
//
// The package owns:
//   - the cached identity token, refreshed before expiry and on codes
//     601/602 (one refresh shared by all concurrent callers);
//   - the instance limits (100 calls per 20 s, 10 concurrent), kept at
//     half by default and counted across replicas through
//     integrations/ratelimit;
//   - the sorting of every documented Marketo code and status into the
//     shared failure reasons (package failure), with Marketo's sentences
//     for people; one deadline per call (Config.HTTPTimeout);
//   - parsers for the documented response shapes, which have no
//     "success" envelope on the user management endpoints.
//
// Facts and their sources: docs/marketo.md and the API reference
// (mkto-dev:help/rest-api/user-management.md, authentication.md,
// error-codes.md). The emulator in marketofake implements the same
// contract for tests and the demo mode.
package marketo
