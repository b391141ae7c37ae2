package api

import (
	"embed"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/julienschmidt/httprouter"
)

// defaultDocuments are the documents served when DocumentsDir has no file
// of that path, among them the `_notification_message_file` default,
// service_template/callback/Resources/Strings/messages.json.
//
//go:embed documents
var defaultDocuments embed.FS

// document is GET /genesys/1/document/*path: a file under DocumentsDir
// (GMS_DOCUMENTS_DIR), else a built-in default, so an ORS strategy that
// loads `_notification_message_file` finds it.
func (s *Server) document(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	name := strings.TrimPrefix(path.Clean("/"+ps.ByName("path")), "/")
	if name == "" || name == "." {
		s.writeError(w, r, notFound(r))
		return
	}
	f, err := s.openDocument(name)
	if err != nil {
		s.writeError(w, r, notFound(r))
		return
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || info.IsDir() {
		s.writeError(w, r, notFound(r))
		return
	}
	ctype := mime.TypeByExtension(filepath.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.Copy(w, f)
}

// openDocument opens name in DocumentsDir (never outside it: os.Root),
// falling back on the built-in documents.
func (s *Server) openDocument(name string) (fs.File, error) {
	if s.DocumentsDir != "" {
		root, err := os.OpenRoot(s.DocumentsDir)
		if err == nil {
			defer root.Close()
			f, err := root.Open(name)
			if err == nil {
				return f, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
	}
	return defaultDocuments.Open("documents/" + name)
}
