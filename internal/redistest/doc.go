// Package redistest connects tests to the real Redis server named by
// REDIS_URL (default redis://127.0.0.1:6379/0) and gives each test its own
// key prefix, so test packages can run in parallel against one server.
// A test that cannot reach Redis fails; it never falls back to a fake.
package redistest
