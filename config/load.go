package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds the config file; a policy file is a few kilobytes.
const MaxFileSize = 1 << 20

// Load reads the YAML file at path and the environment through getenv
// (nil means an empty environment; main passes os.Getenv), and returns
// the config only if both are valid. Validation failures come back as a
// *ValidationError listing every problem; a file that cannot be read
// comes back as the wrapped *fs.PathError.
//
// Missing secrets are not problems here: which ones are needed depends
// on the Slack mode, so main calls Env.CheckFor after Load.
func Load(path string, getenv func(string) string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parse(data, getenv, path)
}

// Parse is Load for a file already in memory.
func Parse(data []byte, getenv func(string) string) (*Config, error) {
	return parse(data, getenv, "")
}

func parse(data []byte, getenv func(string) string, file string) (*Config, error) {
	var ps problems
	cfg, bad := decodeStrict(data, &ps)
	if cfg == nil {
		return nil, newValidationError(file, ps.list)
	}
	// Checks on values whose shape was already wrong would only repeat
	// the same problem in other words.
	for _, p := range cfg.resolve().problems {
		if !underAny(p.Path, bad) {
			ps.list = append(ps.list, p)
		}
	}
	env, err := LoadEnv(getenv)
	var verr *ValidationError
	switch {
	case errors.As(err, &verr):
		ps.list = append(ps.list, verr.Problems...)
	case err != nil:
		return nil, err
	}
	res := cfg.resolve()
	env.marketoSettings = res.settings.Marketo.Instances
	env.MarketoInstances = loadInstanceEnv(getenv, slices.Sorted(maps.Keys(env.marketoSettings)), &ps)
	env.noDefaultMarketo = !usesDefaultInstance(res.policy)
	if err := newValidationError(file, ps.list); err != nil {
		return nil, err
	}
	cfg.Env = env
	return cfg, nil
}

func underAny(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if under(path, p) {
			return true
		}
	}
	return false
}

// decodeStrict checks the document's shape against Config (unknown keys,
// repeated keys, wrong types, each with its path) and then decodes it
// with yaml's KnownFields. It returns nil when the document cannot be
// read at all, and the paths whose shape was wrong.
func decodeStrict(data []byte, ps *problems) (*Config, []string) {
	if len(data) > MaxFileSize {
		ps.add("", "the file is larger than %d bytes", MaxFileSize)
		return nil, nil
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&doc)
	switch {
	case errors.Is(err, io.EOF):
		return &Config{}, nil // an empty file: every required key is missing
	case err != nil:
		ps.add("", "%v", err)
		return nil, nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		ps.add("", "the file holds more than one YAML document")
		return nil, nil
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return &Config{}, nil
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return &Config{}, nil
	}
	if root.Kind != yaml.MappingNode {
		ps.add("", "the file must be a YAML mapping (key: value), not %s", describe(root))
		return nil, nil
	}
	w := newWalker(ps)
	w.walk(root, configType, "")
	if w.exhausted {
		return nil, nil
	}

	cfg := &Config{}
	if w.dirty {
		// The walk dropped unknown keys and nulled wrong values, so the
		// rest still decodes and gets checked: one run shows every problem.
		if err := root.Decode(cfg); err != nil {
			return nil, nil
		}
		return cfg, w.bad
	}
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(cfg); err != nil {
		// The shape check above should have caught this; report what
		// yaml says (it names the key and the line) rather than nothing.
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, e := range te.Errors {
				ps.add("", "%s", e)
			}
		} else {
			ps.add("", "%v", err)
		}
		return nil, nil
	}
	return cfg, w.bad
}
