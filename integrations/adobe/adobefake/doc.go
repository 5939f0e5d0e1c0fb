// Package adobefake is an in-memory emulator of Adobe IMS (OAuth
// server-to-server tokens) and the User Management API (UMAPI). It serves
// both on one http.Handler, so ADOBE_IMS_URL and ADOBE_UMAPI_URL can point
// at the same address. Tests of every package, the zero-setup demo mode
// and the benchmarks run against it.
//
// It enforces the documented rules: token issue and expiry, the X-Api-Key
// check, the 10-command and 10-group limits, step order, testOnly,
// removeFromOrg reporting success for unknown users, ignoreIfAlreadyExists,
// Adobe's page sizes and paging headers, and per-client rate limits
// answered with 429 and Retry-After. Faults can be injected (5xx, 429
// storms, dropped connections, latency, error codes for one user), and
// every request and every applied membership change is recorded.
//
// Sources are those of the client package: umapi-doc:<path> is the
// adobe-apiplatform/umapi-documentation repository.
package adobefake
