package slackfake

// Version counts what the fake has recorded: every Web API call
// (answered or refused) and every response_url post. It only grows, so
// a watcher that sees the same number twice knows nothing was posted,
// updated, opened or published in between; the playground polls it to
// push changes to its page.
func (f *Fake) Version() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls) + len(f.responses)
}
