// Command chataccess is a chatops bot that grants and removes Adobe
// Marketo Dynamic Chat access from Slack, with approvals, provisioning
// workers and scheduled access reviews. Subcommands live in internal/cli;
// this file only connects them to the process.
package main

import (
	"context"
	_ "embed"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/chataccess/chataccess/internal/cli"
)

// examplePolicy is the policy `chataccess demo` runs with.
//
//go:embed chataccess.example.yaml
var examplePolicy []byte

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Getenv:     os.Getenv,
		IsTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		DemoPolicy: examplePolicy,
	})
	stop()
	os.Exit(code)
}
