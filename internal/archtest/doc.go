// Package archtest holds the import rules of chataccess as a test over
// `go list`, run by `make lint` (and `make test`): which packages may
// import what, which talk to Redis, and where Redis key names are
// built. The rules are written in rules_test.go; a change that bends an
// arrow fails the build with the rule it broke.
package archtest
