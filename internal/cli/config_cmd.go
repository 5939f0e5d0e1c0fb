package cli

import (
	"context"
	"fmt"

	"github.com/chataccess/chataccess/config"
)

// DefaultConfigPath is where the policy file is looked for.
const DefaultConfigPath = "chataccess.yaml"

func runConfig(ctx context.Context, env Env, args []string) error {
	return subcommand(ctx, env, args, "config", map[string]func(context.Context, Env, []string) error{
		"check": runConfigCheck,
	})
}

func runConfigCheck(_ context.Context, env Env, args []string) error {
	fs := newFlags(env, "config check", "config check --config FILE")
	path := fs.String("config", DefaultConfigPath, "policy file to validate")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*path, env)
	if err != nil {
		return err
	}
	pol := cfg.Policy()
	fmt.Fprintf(env.Stdout, "%s: OK (%s: %v)\n", *path, countOf(len(pol.Packages), "package", "packages"), pol.PackageNames())
	return nil
}

// loadConfig loads and validates the policy file.
func loadConfig(path string, env Env) (*config.Config, error) {
	cfg, err := config.Load(path, env.Getenv)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// countOf is "1 package" or "3 packages" (the command line speaks
// English; chat speaks from the message catalogs).
func countOf[N int | int64](n N, one, other string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, other)
}
