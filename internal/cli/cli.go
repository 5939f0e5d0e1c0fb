package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

// Env is what a subcommand gets from the process.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// IsTerminal reports whether stderr is a terminal (console logs).
	IsTerminal bool
	// DemoPolicy is the embedded example policy the demo runs with.
	DemoPolicy []byte
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// errUsage means the arguments were wrong; usage was printed.
var errUsage = errors.New("usage")

func subcommands() []command {
	return []command{
		{"serve", "run the bot (Slack Socket Mode or HTTP), workers and schedules", runServe},
		{"config", "config check --config FILE: validate the policy file and list every problem", runConfig},
		{"audit", "audit verify [--checkpoint LINE|FILE] | audit checkpoint | audit export --format csv|json: check, checkpoint or export the audit trail", runAudit},
		{"check", "check --config FILE [--slack]: resolve every package against Adobe and Marketo (credentials, profiles, roles, workspaces) and check the Slack side (token, scopes, channels, user groups, people)", runCheck},
		{"emulate", "emulate adobe|marketo|both [--listen ADDR] [--seed FILE]: serve the Adobe and Marketo emulators on loopback", runEmulate},
		{"demo", "demo [--platform slack|teams|both] [--verbose]: the whole flow end to end in the terminal, with an embedded policy, an in-process Redis and the emulators", runDemo},
		{"playground", "playground [--listen 127.0.0.1:8025]: the bot behind a local web page standing in for Slack (no credentials); prints its URL", runPlayground},
		{"admin", "admin failed | retry <id> | dead-letters | replay <id> | ledger | ack-ledger: failed requests, events the outbox gave up on, the ledger's identity", runAdmin},
		{"review", "review export <id> --format csv|json: export a review campaign's items and decisions", runReview},
		{"teams", "teams package --config FILE [--out DIR]: write the Teams app package (manifest.json, icons, zip) from the config", runTeams},
		{"healthcheck", "healthcheck [--ready] [--addr HOST:PORT]: exit 0 when a running serve answers /healthz (or /readyz), for container health checks", runHealthcheck},
		{"version", "print the version", runVersion},
	}
}

// Run executes one subcommand and returns the process exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range subcommands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil || errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintf(env.Stderr, "chataccess %s: %v\n", c.name, err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	fmt.Fprintf(env.Stderr, "chataccess: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "chataccess %s: grant and remove Adobe Marketo Dynamic Chat access from chat.\n\nUsage: chataccess <command> [flags]\n\nCommands:\n", Version)
	cmds := subcommands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'chataccess <command> --help' for a command's flags.\n")
}

// newFlags returns a flag set that prints usage to the env's stderr.
func newFlags(env Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: chataccess %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and maps a parse error to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

func runVersion(_ context.Context, env Env, args []string) error {
	fs := newFlags(env, "version", "version")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "chataccess %s\n", Version)
	return nil
}

// subcommand dispatches "name verb" commands such as "audit verify".
func subcommand(ctx context.Context, env Env, args []string, name string, verbs map[string]func(context.Context, Env, []string) error) error {
	names := make([]string, 0, len(verbs))
	for v := range verbs {
		names = append(names, v)
	}
	sort.Strings(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(env.Stderr, "Usage: chataccess %s <%s> [flags]\n", name, strings.Join(names, "|"))
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	f, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "chataccess %s: unknown subcommand %q (want %s)\n", name, args[0], strings.Join(names, ", "))
		return errUsage
	}
	return f(ctx, env, args[1:])
}
