package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestInProcessClient: the mock's client serves URLs under the mock's
// issuer with the handler (status, headers, body and the request's path,
// query and form intact) and refuses every other URL, so it can never
// stand in for the outbound client.
func TestInProcessClient(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, r.Method+" "+r.URL.Path+" "+r.Form.Get("a")+" "+r.Form.Get("b"))
	})
	c := inProcessClient("http://127.0.0.1:8080/idporten-mock", http.StripPrefix("/idporten-mock", h))

	res, err := c.Post("http://127.0.0.1:8080/idporten-mock/token?a=1", "application/x-www-form-urlencoded", strings.NewReader("b=2"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusTeapot || res.Header.Get("Content-Type") != "application/json" || string(body) != "POST /token 1 2" {
		t.Fatalf("got %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	for _, u := range []string{
		"http://127.0.0.1:8080/main/token",
		"http://127.0.0.1:8081/idporten-mock/token",
		"http://127.0.0.1:8080/idporten-mockery/token",
		"http://169.254.169.254/idporten-mock/",
	} {
		if res, err := c.Get(u); err == nil {
			res.Body.Close()
			t.Errorf("%s: served (%d), want refused", u, res.StatusCode)
		}
	}
}
