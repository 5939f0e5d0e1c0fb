package approvals

import "maps"

// Sentence is a sentence for people stored with a request: the English
// Text (for logs, and the fallback of readers whose catalog lacks Key),
// and the message id Key with its Args, which the chat layer renders in
// each reader's language. Args are user or vendor data, shown inert; a
// sentence nested in another is written with Nest.
type Sentence struct {
	Text string
	Key  string
	Args map[string]string
}

// Say is the sentence text with message id key and its arguments.
func Say(text, key string, args map[string]string) Sentence {
	return Sentence{Text: text, Key: key, Args: args}
}

// Nest adds s to args as argument name: its English text under name,
// its message id under name+"Key" and its arguments under "name.…". It
// returns args (a new map when args is nil).
func (s Sentence) Nest(name string, args map[string]string) map[string]string {
	if args == nil {
		args = map[string]string{}
	}
	args[name] = s.Text
	if s.Key == "" {
		return args
	}
	args[name+"Key"] = s.Key
	for k, v := range s.Args {
		args[name+"."+k] = v
	}
	return args
}

// cloneArgs is a copy of args, nil when empty.
func cloneArgs(args map[string]string) map[string]string {
	if len(args) == 0 {
		return nil
	}
	return maps.Clone(args)
}
