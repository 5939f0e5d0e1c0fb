// Package marketofake is an in-memory emulator of the Marketo identity
// endpoint and User Management API, faithful to the documented contract
// (mkto-dev:help/rest-api/authentication.md, user-management.md,
// error-codes.md and the OpenAPI files swagger-identity.json and
// swagger-user.json). Tests across chataccess, the zero-setup demo mode
// and the benchmarks use it through New, which returns an http.Handler;
// `chataccess emulate marketo` serves it with ListenAndServe.
//
// It enforces what the real service enforces: the token only in the
// Authorization header, token expiry (602) and unknown tokens (601), the
// instance limits (606 over 100 calls per 20 s, 615 over 10 concurrent
// calls, 607 over the daily quota), pageSize at most 200, and one
// configurable body shape for roles/create.json and roles/delete.json.
// Where the documents are silent (which HTTP status carries which code,
// the error body of unknown users) it makes a documented, configurable
// choice; see Options.
//
// It also models the lag between the Adobe Admin Console and Marketo
// (SyncFromAdobe, UserLag), injects faults (FailNext, FailFor, FailUser,
// FailIdentityNext) and records what happened (Requests, Applied, Stats).
package marketofake
