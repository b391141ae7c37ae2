package api

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/julienschmidt/httprouter"
)

// The operator page: GET /ui/ (index.html) and GET /ui/:file (its assets),
// plain HTML, CSS and JavaScript embedded in the binary. The page reads the
// existing JSON endpoints only (watermarks and queues with the admin's Basic
// credentials, which it keeps in memory; availability v2 and lookup, which are
// public) — it adds no data endpoint of its own.

//go:embed ui
var uiFiles embed.FS

// defaultTemporalUI is the Temporal Web UI of the local dev server.
const defaultTemporalUI = "http://127.0.0.1:8233"

// TemporalUIURL is the base URL of the Temporal Web UI the operator page
// links each callback to ({url}/namespaces/{ns}/workflows/{_id}):
// TEMPORAL_UI_URL, read once, default http://127.0.0.1:8233. A value that is
// not an absolute http(s) URL is ignored (the default is used).
var TemporalUIURL = sync.OnceValue(func() string { return temporalUI(os.Getenv("TEMPORAL_UI_URL")) })

// temporalUI validates a Temporal Web UI base URL (no trailing slash).
func temporalUI(v string) string {
	v = strings.TrimRight(strings.TrimSpace(v), "/")
	u, err := url.Parse(v)
	if v == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return defaultTemporalUI
	}
	return v
}

// uiIndex is index.html, a template of the Temporal UI URL and namespace.
var uiIndex = template.Must(template.ParseFS(uiFiles, "ui/index.html"))

// uiSecurityHeaders are set on every answer of the page: scripts and styles
// from /ui/ only (no inline code, so data shown can never run), requests to
// this server only, never framed.
var uiSecurityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "no-referrer",
	"Cache-Control":          "no-cache",
}

// uiTypes fixes the content types of the page's assets (the system's MIME
// database may say otherwise, e.g. application/javascript).
var uiTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// ui serves the operator page: GET /ui/ and GET /ui/:file.
func (s *Server) ui(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	name := ps.ByName("file")
	h := w.Header()
	if name == "" || name == "index.html" {
		ns := s.Namespace
		if ns == "" {
			ns = "default"
		}
		var buf bytes.Buffer
		if err := uiIndex.Execute(&buf, struct{ TemporalUI, Namespace string }{TemporalUIURL(), ns}); err != nil {
			s.writeError(w, r, err)
			return
		}
		for k, v := range uiSecurityHeaders {
			h.Set(k, v)
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
		return
	}
	data, err := uiFiles.ReadFile("ui/" + name)
	if err != nil || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		s.writeError(w, r, notFound(r))
		return
	}
	for k, v := range uiSecurityHeaders {
		h.Set(k, v)
	}
	ctype := uiTypes[path.Ext(name)]
	if ctype == "" {
		ctype = mime.TypeByExtension(path.Ext(name))
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	sum := sha256.Sum256(data)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}
