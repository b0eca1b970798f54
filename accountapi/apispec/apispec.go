// Package apispec checks the account API's answers against its OpenAPI
// description, docs/openapi.yaml, with kin-openapi (a maintained OpenAPI
// 3.1 validator), so that the tests of the handler and the end-to-end
// tests of the server judge real responses by the published contract
// rather than by hand. Only tests import it.
package apispec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Spec is the loaded and validated OpenAPI document.
type Spec struct {
	Doc    *openapi3.T
	router routers.Router
}

// Load reads the OpenAPI document at path, validates it as OpenAPI (3.1
// with JSON Schema 2020-12), and serves its operations at each of
// servers (the API's base URLs, {issuer}/api/v1/me, of the tenants under
// test) instead of the document's example server.
func Load(path string, servers ...string) (*Spec, error) {
	ctx := context.Background()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("%s is not valid OpenAPI: %w", path, err)
	}
	if !doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("%s is OpenAPI %s, want 3.1", path, doc.OpenAPI)
	}
	if len(servers) > 0 {
		doc.Servers = nil
		for _, s := range servers {
			doc.Servers = append(doc.Servers, &openapi3.Server{URL: s})
		}
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", path, err)
	}
	return &Spec{Doc: doc, router: r}, nil
}

// Check validates one answer to req: its status must be one the
// operation documents, and its headers and body must match that
// response's description.
func (s *Spec) Check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s is no operation of the OpenAPI document: %w", req.Method, req.URL, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s → %d does not match the OpenAPI document: %w\nbody: %.600s", req.Method, req.URL.Path, status, err, body)
	}
	return nil
}

// CheckResponse is Check on a received response; it reads the body and
// returns it.
func (s *Spec) CheckResponse(resp *http.Response) ([]byte, error) {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return body, err
	}
	return body, s.Check(resp.Request, resp.StatusCode, resp.Header, body)
}
