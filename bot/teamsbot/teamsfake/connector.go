package teamsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxMessageBytes is the Bot Connector's message size limit (100 KB;
// learn.microsoft.com …/format-your-bot-messages): a bigger activity
// gets 413 MessageSizeTooBig.
const MaxMessageBytes = 100 << 10

// Post is one call the bot made to the fake Bot Connector.
type Post struct {
	Method       string // POST or PUT
	Conversation string
	// ActivityID is the id the fake gave (POST) or the id updated (PUT).
	ActivityID string
	// ReplyTo is the activity replied to, if any.
	ReplyTo string
	Body    map[string]any
	Raw     []byte
}

// Card returns the Adaptive Card of the post, or nil.
func (p Post) Card() map[string]any {
	atts, _ := p.Body["attachments"].([]any)
	for _, a := range atts {
		m, _ := a.(map[string]any)
		if m["contentType"] == "application/vnd.microsoft.card.adaptive" {
			c, _ := m["content"].(map[string]any)
			return c
		}
	}
	return nil
}

// Posted is a message the bot posted, as it now stands: its last
// update applied.
type Posted struct {
	Conversation string
	ActivityID   string
	// ReplyTo is the activity it answers (a thread reply), if any.
	ReplyTo string
	// Edits counts its updates.
	Edits int
	Body  map[string]any
	Raw   []byte
}

// Card returns the Adaptive Card of the message, or nil.
func (p Posted) Card() map[string]any { return Post{Body: p.Body}.Card() }

// Posted returns every message the bot posted, in the order posted,
// each as it now stands.
func (s *Server) Posted() []Posted {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Posted
	at := map[string]int{}
	for _, p := range s.posts {
		key := p.Conversation + "/" + p.ActivityID
		if p.Method == "POST" {
			at[key] = len(out)
			out = append(out, Posted{Conversation: p.Conversation, ActivityID: p.ActivityID, ReplyTo: p.ReplyTo, Body: p.Body, Raw: p.Raw})
			continue
		}
		if i, ok := at[key]; ok {
			out[i].Edits++
			out[i].Body, out[i].Raw = p.Body, p.Raw
		}
	}
	return out
}

// Failure scripts the next answers of the connector: Status with
// RetryAfter seconds (0: none), Times times.
type Failure struct {
	Status     int
	RetryAfter int
	Times      int
}

// Fail queues failures for the next connector calls.
func (s *Server) Fail(f ...Failure) {
	s.mu.Lock()
	s.failures = append(s.failures, f...)
	s.mu.Unlock()
}

// Posts returns what the bot posted and updated, in order.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posts)
}

func (s *Server) connectorRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /connector/v3/conversations/{conv}/activities", s.postActivity)
	mux.HandleFunc("POST /connector/v3/conversations/{conv}/activities/{id}", s.postActivity)
	mux.HandleFunc("PUT /connector/v3/conversations/{conv}/activities/{id}", s.putActivity)
	mux.HandleFunc("POST /connector/v3/conversations", s.createConversation)
	mux.HandleFunc("GET /connector/v3/conversations/{conv}/members/{user}", s.getMember)
	mux.HandleFunc("GET /connector/v3/conversations/{conv}/pagedmembers", s.pagedMembers)
}

// gate checks the bot token and takes a scripted failure, if any.
func (s *Server) gate(w http.ResponseWriter, r *http.Request, scope string) bool {
	if !s.authorized(r, scope) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Authorization has been denied for this request."})
		return false
	}
	s.mu.Lock()
	var f *Failure
	if len(s.failures) > 0 {
		f = &s.failures[0]
		if f.Times--; f.Times <= 0 {
			s.failures = s.failures[1:]
		}
	}
	s.mu.Unlock()
	if f != nil {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		writeJSON(w, f.Status, map[string]any{"error": map[string]string{"code": "Throttled", "message": "scripted"}})
		return false
	}
	return true
}

// readActivity checks a posted message: at most MaxMessageBytes, a
// message with text or an Adaptive Card attachment.
func (s *Server) readActivity(w http.ResponseWriter, r *http.Request) (map[string]any, []byte, bool) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4*MaxMessageBytes))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody("BadSyntax", "unreadable"))
		return nil, nil, false
	}
	if len(raw) > MaxMessageBytes {
		writeJSON(w, http.StatusRequestEntityTooLarge, errBody("MessageSizeTooBig", "Activity body too large for processing."))
		return nil, nil, false
	}
	var a map[string]any
	if err := json.Unmarshal(raw, &a); err != nil || a["type"] != "message" {
		writeJSON(w, http.StatusBadRequest, errBody("BadSyntax", "not a message activity"))
		return nil, nil, false
	}
	atts, _ := a["attachments"].([]any)
	for _, at := range atts {
		m, _ := at.(map[string]any)
		if m["contentType"] != "application/vnd.microsoft.card.adaptive" {
			writeJSON(w, http.StatusBadRequest, errBody("BadSyntax", "unsupported attachment"))
			return nil, nil, false
		}
	}
	if a["text"] == nil && len(atts) == 0 {
		writeJSON(w, http.StatusBadRequest, errBody("BadSyntax", "empty message"))
		return nil, nil, false
	}
	return a, raw, true
}

func errBody(code, msg string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}

func (s *Server) known(conv string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cfg.Conversations[conv]; ok {
		return true
	}
	for _, p := range s.personal {
		if p == conv {
			return true
		}
	}
	return false
}

func (s *Server) postActivity(w http.ResponseWriter, r *http.Request) {
	if !s.gate(w, r, "https://api.botframework.com/.default") {
		return
	}
	conv := r.PathValue("conv")
	if !s.known(conv) {
		writeJSON(w, http.StatusNotFound, errBody("ConversationNotFound", "Conversation not found."))
		return
	}
	a, raw, ok := s.readActivity(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	s.activitySeq++
	id := fmt.Sprintf("%d", time.Now().UnixMilli()*1000+int64(s.activitySeq))
	s.posts = append(s.posts, Post{Method: "POST", Conversation: conv, ActivityID: id, ReplyTo: r.PathValue("id"), Body: a, Raw: raw})
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

func (s *Server) putActivity(w http.ResponseWriter, r *http.Request) {
	if !s.gate(w, r, "https://api.botframework.com/.default") {
		return
	}
	conv, id := r.PathValue("conv"), r.PathValue("id")
	s.mu.Lock()
	found := slices.ContainsFunc(s.posts, func(p Post) bool { return p.Method == "POST" && p.Conversation == conv && p.ActivityID == id })
	s.mu.Unlock()
	if !found {
		writeJSON(w, http.StatusNotFound, errBody("ActivityNotFound", "Activity not found."))
		return
	}
	a, raw, ok := s.readActivity(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	s.posts = append(s.posts, Post{Method: "PUT", Conversation: conv, ActivityID: id, Body: a, Raw: raw})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) createConversation(w http.ResponseWriter, r *http.Request) {
	if !s.gate(w, r, "https://api.botframework.com/.default") {
		return
	}
	var body struct {
		IsGroup  bool   `json:"isGroup"`
		TenantID string `json:"tenantId"`
		Bot      struct {
			ID string `json:"id"`
		} `json:"bot"`
		Members []struct {
			ID string `json:"id"`
		} `json:"members"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.IsGroup || len(body.Members) != 1 ||
		body.TenantID != s.cfg.TenantID || !strings.HasPrefix(body.Members[0].ID, "29:") {
		writeJSON(w, http.StatusBadRequest, errBody("BadSyntax", "Incorrect conversation creation parameters"))
		return
	}
	mri := body.Members[0].ID
	if _, ok := s.user(mri); !ok {
		writeJSON(w, http.StatusForbidden, errBody("BotNotInConversationRoster", "The bot is not installed for this user."))
		return
	}
	s.mu.Lock()
	id, ok := s.personal[mri]
	if !ok {
		s.convSeq++
		id = fmt.Sprintf("a:personal-%d", s.convSeq)
		s.personal[mri] = id
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// PersonalChat returns the personal conversation id of a user, if the
// bot created one.
func (s *Server) PersonalChat(mri string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.personal[mri]
}

// user finds a user by MRI, object id, email or UPN.
func (s *Server) user(id string) (User, bool) {
	for _, u := range s.cfg.Users {
		if u.MRI == id || strings.EqualFold(u.ObjectID, id) || strings.EqualFold(u.Email, id) || strings.EqualFold(u.UPN, id) {
			return u, true
		}
	}
	return User{}, false
}

func (u User) account(tenant string) map[string]any {
	return map[string]any{"id": u.MRI, "name": u.Name, "aadObjectId": u.ObjectID, "email": u.Email,
		"userPrincipalName": u.UPN, "givenName": u.Given, "surname": u.Surname, "tenantId": tenant, "userRole": "user"}
}

// inConversation reports whether the user is in the conversation.
func (s *Server) inConversation(conv string, u User) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.personal[u.MRI] == conv {
		return true
	}
	return slices.Contains(s.cfg.Conversations[conv], u.MRI)
}

func (s *Server) getMember(w http.ResponseWriter, r *http.Request) {
	if !s.gate(w, r, "https://api.botframework.com/.default") {
		return
	}
	u, ok := s.user(r.PathValue("user"))
	if !ok || !s.inConversation(r.PathValue("conv"), u) {
		writeJSON(w, http.StatusNotFound, errBody("MemberNotFoundInConversation", "The member was not found in the conversation."))
		return
	}
	writeJSON(w, http.StatusOK, u.account(s.cfg.TenantID))
}

func (s *Server) pagedMembers(w http.ResponseWriter, r *http.Request) {
	if !s.gate(w, r, "https://api.botframework.com/.default") {
		return
	}
	conv := r.PathValue("conv")
	s.mu.Lock()
	mris, ok := s.cfg.Conversations[conv]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, errBody("ConversationNotFound", "Conversation not found."))
		return
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("continuationToken"))
	size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
	if size <= 0 || size > 500 {
		size = 500
	}
	var members []map[string]any
	end := min(start+size, len(mris))
	for _, m := range mris[min(start, end):end] {
		if u, ok := s.user(m); ok {
			members = append(members, u.account(s.cfg.TenantID))
		}
	}
	out := map[string]any{"members": members}
	if end < len(mris) {
		out["continuationToken"] = strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) groupMembers(w http.ResponseWriter, r *http.Request) {
	if !s.gate(w, r, "https://graph.microsoft.com/.default") {
		return
	}
	ids, ok := s.cfg.Groups[strings.ToLower(r.PathValue("id"))]
	if !ok {
		writeJSON(w, http.StatusNotFound, errBody("Request_ResourceNotFound", "Resource does not exist."))
		return
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("skip"))
	end := min(start+s.cfg.GraphPageSize, len(ids))
	var value []map[string]string
	for _, id := range ids[min(start, end):end] {
		value = append(value, map[string]string{"@odata.type": "#microsoft.graph.user", "id": id})
	}
	out := map[string]any{"value": value}
	if end < len(ids) {
		out["@odata.nextLink"] = s.GraphURL() + "/v1.0/groups/" + r.PathValue("id") + "/transitiveMembers/microsoft.graph.user?skip=" + strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, out)
}
