// Package sandbox runs the Adobe emulator and one Marketo emulator per
// subscription side by side on loopback, wired together the way the real
// systems are: a person who comes to hold a subscription's Marketo
// Engage product profile in the Admin Console (directly or through a
// user group) appears in that Marketo instance after a lag (EngageLink;
// without it, any Admin Console add brings the person into the default
// instance). It is seeded to match chataccess.example.yaml. The
// zero-setup demo, the worker tests and the benchmarks run on it.
package sandbox
