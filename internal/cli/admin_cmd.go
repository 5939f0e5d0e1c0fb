package cli

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/store"
)

func runAdmin(ctx context.Context, env Env, args []string) error {
	return subcommand(ctx, env, args, "admin", map[string]func(context.Context, Env, []string) error{
		"failed":       runAdminFailed,
		"retry":        runAdminRetry,
		"dead-letters": runAdminDeadLetters,
		"replay":       runAdminReplay,
		"ledger":       runAdminLedger,
		"ack-ledger":   runAdminAckLedger,
	})
}

// runAdminDeadLetters lists the outbox events a consumer group gave up
// on after too many deliveries.
func runAdminDeadLetters(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "admin dead-letters", "admin dead-letters [--config FILE] [--limit N]")
	path := fs.String("config", DefaultConfigPath, "policy file")
	limit := fs.Int("limit", 100, "at most this many, newest first")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, closeFn, err := openStore(ctx, env, *path)
	if err != nil {
		return err
	}
	defer closeFn()
	dls, err := st.DeadLetters(ctx, *limit)
	if err != nil {
		return err
	}
	if len(dls) == 0 {
		fmt.Fprintln(env.Stdout, "no dead letters")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tREQUEST\tEVENT\tTRIES\tGAVE UP AT\tLAST ERROR")
	for _, d := range dls {
		rec := d.Event.Record
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, orDash(rec.RequestID), orDash(string(rec.Event)), d.Event.Deliveries,
			d.At.UTC().Format(time.RFC3339), orDash(oneLineText(d.LastError, 160)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s; send one again with: chataccess admin replay <id>\n", countOf(len(dls), "dead letter", "dead letters"))
	return nil
}

// runAdminReplay puts one dead letter back on the outbox, for the
// consumer group that gave up on it.
func runAdminReplay(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "admin replay", "admin replay [--config FILE] <dead letter id>")
	path := fs.String("config", DefaultConfigPath, "policy file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	st, closeFn, err := openStore(ctx, env, *path)
	if err != nil {
		return err
	}
	defer closeFn()
	id := fs.Arg(0)
	newID, err := st.ReplayDeadLetter(ctx, id)
	if errors.Is(err, store.ErrNoDeadLetter) {
		return fmt.Errorf("%w (list them with: chataccess admin dead-letters)", err)
	}
	if err != nil {
		return err
	}
	group, _, _ := strings.Cut(id, "/")
	fmt.Fprintf(env.Stdout, "%s is back on the outbox as %s; the %s readers of a running chataccess take it\n", id, newID, group)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLineText is s on one line, at most n runes.
func oneLineText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func runAdminFailed(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "admin failed", "admin failed [--config FILE] [--limit N]")
	path := fs.String("config", DefaultConfigPath, "policy file")
	limit := fs.Int("limit", 100, "at most this many, newest first")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, closeFn, err := openStore(ctx, env, *path)
	if err != nil {
		return err
	}
	defer closeFn()
	reqs, err := st.List(ctx, approvals.ByState(approvals.StateFailed), *limit)
	if err != nil {
		return err
	}
	if len(reqs) == 0 {
		fmt.Fprintln(env.Stdout, "no failed requests")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tPACKAGE\tUSER\tFAILED AT\tWHY")
	for _, r := range reqs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Package, r.Target.Email,
			r.UpdatedAt.UTC().Format(time.RFC3339), r.Failure)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s failed; run again with: chataccess admin retry <id>\n", countOf(len(reqs), "request", "requests"))
	return nil
}

func runAdminRetry(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "admin retry", "admin retry [--config FILE] <id>")
	path := fs.String("config", DefaultConfigPath, "policy file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	id, err := approvals.ParseRequestID(fs.Arg(0))
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*path, env)
	if err != nil {
		return err
	}
	st, closeFn, err := openStore(ctx, env, *path)
	if err != nil {
		return err
	}
	defer closeFn()
	svc := approvals.NewService(cfg.Policy(), st, approvals.ClockFunc(time.Now))
	name := "operator"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	r, err := svc.Retry(ctx, id, approvals.Operator(name))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s is %s again; a running chataccess picks it up (attempt %d)\n", r.ID, r.State, r.Executions+1)
	return nil
}
