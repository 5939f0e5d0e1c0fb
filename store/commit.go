package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
)

// commitScript applies one approvals.Change.
//
// KEYS[1] audit stream, KEYS[2] audit head, KEYS[3] event outbox stream,
// KEYS[4..] every other key the change touches.
// ARGV[1] JSON spec:
//
//	checks: [[keyIndex, version]]   request hash must have field v == version (0 = absent)
//	claims: [[keyIndex, id]]        open-request key must be absent or hold id
//	head:   expected audit head ("" when the trail is empty)
//	newhead: head after this change
//	ops:    [[name, keyIndex, args...]] with name one of
//	        hset(field, value, field, value), set(value), del, delif(value),
//	        zadd(score, member), zrem(member)
//	events: [JSON record]
//	audit:  [[field, value, ...]]
//
// Returns {"ok"}, {"conflict", key}, {"duplicate", id} or {"head", current}.
// Nothing is written unless the reply is "ok".
var commitScript = redis.NewScript(`
local spec = cjson.decode(ARGV[1])
for _, c in ipairs(spec.checks) do
  local v = tonumber(redis.call('HGET', KEYS[c[1]], 'v') or '0')
  if v ~= c[2] then return {'conflict', KEYS[c[1]]} end
end
for _, c in ipairs(spec.claims) do
  local cur = redis.call('GET', KEYS[c[1]])
  if cur and cur ~= c[2] then return {'duplicate', cur} end
end
local head = redis.call('GET', KEYS[2]) or ''
if head ~= spec.head then return {'head', head} end
for _, op in ipairs(spec.ops) do
  local name, key = op[1], KEYS[op[2]]
  if name == 'hset' then redis.call('HSET', key, op[3], op[4], op[5], op[6])
  elseif name == 'set' then redis.call('SET', key, op[3])
  elseif name == 'del' then redis.call('DEL', key)
  elseif name == 'delif' then
    if redis.call('GET', key) == op[3] then redis.call('DEL', key) end
  elseif name == 'zadd' then redis.call('ZADD', key, op[3], op[4])
  elseif name == 'zrem' then redis.call('ZREM', key, op[3])
  else return redis.error_reply('unknown op ' .. name) end
end
for _, e in ipairs(spec.events) do
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'rec', e)
end
for _, a in ipairs(spec.audit) do
  redis.call('XADD', KEYS[1], '*', unpack(a))
end
if #spec.audit > 0 then redis.call('SET', KEYS[2], spec.newhead) end
return {'ok'}
`)

// plan is a Change translated to keys and operations; only the audit
// chain is filled in per attempt.
type plan struct {
	keys   []string
	index  map[string]int
	checks [][2]any
	claims [][2]any
	ops    [][]any
	events []string
	hasRec bool
}

func (p *plan) key(k string) int {
	if i, ok := p.index[k]; ok {
		return i
	}
	p.keys = append(p.keys, k)
	p.index[k] = len(p.keys)
	return len(p.keys)
}

func (p *plan) op(name, key string, args ...any) {
	p.ops = append(p.ops, append([]any{name, p.key(key)}, args...))
}

func (s *Store) plan(c approvals.Change) (*plan, error) {
	p := &plan{index: map[string]int{}, checks: [][2]any{}, claims: [][2]any{}, ops: [][]any{}}
	p.key(s.k.audit())
	p.key(s.k.auditHead())
	p.key(s.k.events())
	for _, w := range c.Requests {
		if err := s.planRequest(p, w); err != nil {
			return nil, err
		}
	}
	for _, g := range c.PutGrants {
		data, err := json.Marshal(g)
		if err != nil {
			return nil, fmt.Errorf("store: encode grant: %w", err)
		}
		p.op("set", s.k.grant(g.Email, g.Package), string(data))
		p.op("zadd", s.k.grantsByPackage(g.Package), ms(g.Since.UnixMilli()), g.Email)
		p.op("zadd", s.k.grantsByUser(g.Email), "0", g.Package)
		if g.Permanent() {
			p.op("zrem", s.k.grantsByExpiry(), expiryMember(g.Email, g.Package))
		} else {
			p.op("zadd", s.k.grantsByExpiry(), ms(g.Until.UnixMilli()), expiryMember(g.Email, g.Package))
		}
	}
	for _, g := range c.DeleteGrants {
		p.op("del", s.k.grant(g.Email, g.Package))
		p.op("zrem", s.k.grantsByPackage(g.Package), g.Email)
		p.op("zrem", s.k.grantsByUser(g.Email), g.Package)
		p.op("zrem", s.k.grantsByExpiry(), expiryMember(g.Email, g.Package))
		if approvals.IsGroupKey(g.Email) {
			p.op("del", s.k.groupMembers(g.Email, g.Package))
		}
	}
	for _, r := range c.Records {
		data, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("store: encode record: %w", err)
		}
		p.events = append(p.events, string(data))
	}
	p.hasRec = len(c.Records) > 0
	return p, nil
}

// planRequest adds the version check, the request write and the index
// updates of one request.
func (s *Store) planRequest(p *plan, w approvals.Write) error {
	n := w.Next
	if n == nil || n.ID == "" {
		return fmt.Errorf("store: commit: request without id")
	}
	var prevVersion int64
	if w.Prev != nil {
		prevVersion = w.Prev.Version
	}
	if n.Version != prevVersion+1 {
		return fmt.Errorf("store: commit %s: version %d does not follow %d", n.ID, n.Version, prevVersion)
	}
	data, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("store: encode %s: %w", n.ID, err)
	}
	rk := s.k.request(n.ID)
	p.checks = append(p.checks, [2]any{p.key(rk), prevVersion})
	p.op("hset", rk, "v", strconv.FormatInt(n.Version, 10), "d", string(data))

	created := ms(n.CreatedAt.UnixMilli())
	openKey := s.k.open(n.Target.Email, n.Package)
	if w.Prev == nil {
		p.claims = append(p.claims, [2]any{p.key(openKey), n.ID})
		p.op("zadd", s.k.all(), created, n.ID)
		p.op("zadd", s.k.byRequester(actorKey(n.Requester)), created, n.ID)
		p.op("zadd", s.k.byTarget(n.Target.Email), created, n.ID)
	}
	if n.State.Open() {
		if w.Prev == nil {
			p.op("set", openKey, n.ID)
		}
	} else {
		p.op("delif", openKey, n.ID)
	}
	if w.Prev == nil || w.Prev.State != n.State {
		if w.Prev != nil {
			p.op("zrem", s.k.byState(w.Prev.State), n.ID)
		}
		p.op("zadd", s.k.byState(n.State), created, n.ID)
	}
	switch {
	case n.State == approvals.StatePending && (w.Prev == nil || w.Prev.State != approvals.StatePending):
		p.op("zadd", s.k.pendingByPackage(n.Package), created, n.ID)
	case n.State != approvals.StatePending && w.Prev != nil && w.Prev.State == approvals.StatePending:
		p.op("zrem", s.k.pendingByPackage(n.Package), n.ID)
	}
	var before []approvals.Decision
	if w.Prev != nil {
		before = w.Prev.Decisions
	}
	if len(n.Decisions) < len(before) || !slices.EqualFunc(n.Decisions[:len(before)], before, sameDecision) {
		return fmt.Errorf("store: commit %s: decisions can only be appended", n.ID)
	}
	for _, d := range n.Decisions[len(before):] {
		if d.Approver.IsSystem() {
			continue
		}
		p.op("zadd", s.k.byApprover(actorKey(d.Approver)), ms(d.At.UnixMilli()), n.ID)
	}
	return nil
}

func sameDecision(a, b approvals.Decision) bool {
	return a.Verdict == b.Verdict && a.At.Equal(b.At) && a.Approver.Same(b.Approver)
}

// args encodes the plan with one attempt's audit chain.
func (p *plan) args(head, newHead string, entries []auditEntry) (string, error) {
	audit := make([][]string, 0, len(entries))
	for _, e := range entries {
		audit = append(audit, e.fields())
	}
	spec := map[string]any{
		"checks": p.checks, "claims": p.claims, "ops": p.ops,
		"events": nonNil(p.events), "audit": audit, "head": head, "newhead": newHead,
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return "", fmt.Errorf("store: encode commit: %w", err)
	}
	return string(data), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func ms(v int64) string { return strconv.FormatInt(v, 10) }
