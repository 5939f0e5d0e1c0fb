package cli

import (
	"context"
	"fmt"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

func runAdmin(ctx context.Context, env Env, args []string) error {
	return subcommand(ctx, env, args, "admin", map[string]func(context.Context, Env, []string) error{
		"failed": runAdminFailed,
		"retry":  runAdminRetry,
	})
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
	fmt.Fprintf(env.Stdout, "%d failed; run again with: chataccess admin retry <id>\n", len(reqs))
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
