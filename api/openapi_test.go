package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// openAPIDoc parses the embedded document (api/openapi.json).
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = map[string]string{
	"get": http.MethodGet, "put": http.MethodPut, "post": http.MethodPost, "delete": http.MethodDelete,
	"options": http.MethodOptions, "head": http.MethodHead, "patch": http.MethodPatch, "trace": http.MethodTrace,
}

// documentedRoutes maps a registered httprouter route to the OpenAPI
// operations ("METHOD /path/{x}") that document it.
func documentedRoutes(method, path string) []string {
	// POST /genesys/1/service/:a/:b is one httprouter route because
	// httprouter cannot register both POST …/service/callback/:name and
	// POST …/service/:id/check-queue-position (static vs wildcard segment);
	// dispatchServicePost serves both operations (a == "callback" -> Q1
	// start, b == "check-queue-position" -> Q10 queue position), and the
	// document describes them as their two concrete paths.
	if method == http.MethodPost && path == "/genesys/1/service/:a/:b" {
		return []string{
			"POST /genesys/1/service/callback/{name}",
			"POST /genesys/1/service/{id}/check-queue-position",
		}
	}
	// GET …/callback/:name/:id serves availability v1 only (callbackOrSub):
	// httprouter cannot register …/:name/availability next to …/:name/:id/events.
	if method == http.MethodGet && path == "/genesys/1/service/callback/:name/:id" {
		return []string{"GET /genesys/1/service/callback/{name}/availability"}
	}
	return []string{method + " " + routerParam.ReplaceAllString(path, "{$1}")}
}

var routerParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

func TestOpenAPIVersion(t *testing.T) {
	doc := openAPIDoc(t)
	v, _ := doc["openapi"].(string)
	if !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi = %q, want 3.x", v)
	}
	if _, ok := doc["info"].(map[string]any); !ok {
		t.Error("info is missing")
	}
	if _, ok := doc["paths"].(map[string]any); !ok {
		t.Fatal("paths is missing")
	}
}

// TestOpenAPIRoutes: the document describes exactly the registered routes.
func TestOpenAPIRoutes(t *testing.T) {
	doc := openAPIDoc(t)
	documented := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for key := range item.(map[string]any) {
			if m, ok := openAPIMethods[key]; ok {
				documented[m+" "+path] = true
			}
		}
	}
	registered := map[string]bool{}
	for _, rt := range (&Server{}).Routes() {
		for _, op := range documentedRoutes(rt.Method, rt.Path) {
			registered[op] = true
		}
	}
	var undocumented, unregistered []string
	for op := range registered {
		if !documented[op] {
			undocumented = append(undocumented, op)
		}
	}
	for op := range documented {
		if !registered[op] {
			unregistered = append(unregistered, op)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unregistered)
	if len(undocumented) > 0 {
		t.Errorf("registered by Routes() but not documented in openapi.json:\n  %s", strings.Join(undocumented, "\n  "))
	}
	if len(unregistered) > 0 {
		t.Errorf("documented in openapi.json but not registered by Routes():\n  %s", strings.Join(unregistered, "\n  "))
	}
}

// TestOpenAPIResponses: every operation has a 2xx answer, every 4xx/5xx
// answer carries the Error envelope, and every $ref resolves.
func TestOpenAPIResponses(t *testing.T) {
	doc := openAPIDoc(t)
	resolve := func(ref string) (any, error) {
		if !strings.HasPrefix(ref, "#/") {
			return nil, fmt.Errorf("not a local reference")
		}
		var cur any = doc
		for _, part := range strings.Split(ref[2:], "/") {
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%q is not an object", part)
			}
			if cur, ok = m[part]; !ok {
				return nil, fmt.Errorf("%q not found", part)
			}
		}
		return cur, nil
	}

	// Every $ref anywhere in the document resolves.
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := resolve(ref); err != nil {
					t.Errorf("%s: $ref %q does not resolve: %v", where, ref, err)
				}
			}
			for k, x := range v {
				walk(where+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(where+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", doc)

	const errorRef = "#/components/schemas/Error"
	for path, item := range doc["paths"].(map[string]any) {
		for key, op := range item.(map[string]any) {
			if _, ok := openAPIMethods[key]; !ok {
				continue
			}
			name := strings.ToUpper(key) + " " + path
			responses, _ := op.(map[string]any)["responses"].(map[string]any)
			success := false
			for status, resp := range responses {
				code, err := strconv.Atoi(status)
				if err != nil {
					t.Errorf("%s: response %q is not a status code", name, status)
					continue
				}
				if code >= 200 && code < 300 {
					success = true
				}
				if code < 400 || code == http.StatusMethodNotAllowed {
					continue
				}
				r, _ := resp.(map[string]any)
				if ref, ok := r["$ref"].(string); ok {
					x, err := resolve(ref)
					if err != nil {
						continue // reported by walk
					}
					r, _ = x.(map[string]any)
				}
				content, _ := r["content"].(map[string]any)
				media, _ := content["application/json"].(map[string]any)
				schema, _ := media["schema"].(map[string]any)
				if ref, _ := schema["$ref"].(string); ref != errorRef {
					t.Errorf("%s: response %s does not answer application/json %s", name, status, errorRef)
				}
			}
			if !success {
				t.Errorf("%s: no 2xx response", name)
			}
		}
	}
}
