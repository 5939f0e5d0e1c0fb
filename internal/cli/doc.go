// Package cli holds the chataccess subcommands: parsing their flags,
// wiring the parts each one needs, and reporting results. main.go hands
// it the process's arguments, streams and environment, so every
// subcommand can be tested without a process.
package cli
