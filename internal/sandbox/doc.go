// Package sandbox runs the Adobe and Marketo emulators side by side on
// loopback, wired together the way the real systems are: a user added to
// a Dynamic Chat product profile in the Admin Console appears in Marketo
// after a lag. It is seeded to match chataccess.example.yaml. The
// zero-setup demo, the worker tests and the benchmarks run on it.
package sandbox
