package marketofake_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
)

// TestRolesCreatedAndDeletedAtRuntime: roles.json shows a role from the
// call after it was created and stops showing it once deleted; the role
// API refuses a deleted id.
func TestRolesCreatedAndDeletedAtRuntime(t *testing.T) {
	s := marketofake.New(marketofake.Options{})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	token := func() string {
		resp, err := http.Get(ts.URL + "/identity/oauth/token?grant_type=client_credentials&client_id=" +
			marketofake.DefaultClientID + "&client_secret=" + marketofake.DefaultClientSecret)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}()
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, ts.URL+"/userservice/management/v1/users"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	r, err := s.CreateRole("DC Night Shift")
	if err != nil || r.ID <= 2 || r.Type != "custom" {
		t.Fatalf("created %+v, %v", r, err)
	}
	if _, err := s.CreateRole("dc night shift"); err == nil {
		t.Fatal("a second role of the same name was created")
	}
	if _, body := call(http.MethodGet, "/roles.json", ""); !strings.Contains(body, `"DC Night Shift"`) {
		t.Fatalf("roles.json lacks the new role: %s", body)
	}
	if err := s.AddUser(marketofake.User{EmailAddress: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AssignRole("ann@example.com", r.ID, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRole(r.ID); err == nil {
		t.Fatal("a role someone holds was deleted")
	}
	if status, body := call(http.MethodPost, "/ann@example.com/roles/delete.json", `[{"accessRoleId":`+itoa(r.ID)+`,"workspaceId":1}]`); status != 200 {
		t.Fatalf("remove role: %d %s", status, body)
	}
	if err := s.DeleteRole(r.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRole(r.ID); !errors.Is(err, marketofake.ErrUnknown) {
		t.Fatalf("deleted twice: %v", err)
	}
	if _, body := call(http.MethodGet, "/roles.json", ""); strings.Contains(body, "Night Shift") {
		t.Fatalf("roles.json still lists the deleted role: %s", body)
	}
	if status, body := call(http.MethodPost, "/ann@example.com/roles/create.json", `[{"accessRoleId":`+itoa(r.ID)+`,"workspaceId":1}]`); status == 200 || !strings.Contains(body, "1003") {
		t.Fatalf("a deleted role id was assigned: %d %s", status, body)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
