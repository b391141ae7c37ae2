package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const messagesPath = "/genesys/1/document/service_template/callback/Resources/Strings/messages.json"

func TestDocumentsServeTheDefaultMessagesFile(t *testing.T) {
	dir := t.TempDir()
	h := (&Server{Logger: slog.New(slog.DiscardHandler), DocumentsDir: dir}).Handler()
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	// The `_notification_message_file` default: a JSON object of strings.
	rec := get(messagesPath)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var msgs map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &msgs))
	for _, k := range []string{"CALLBACK_QUEUED", "CALLBACK_ROUTING", "CALLBACK_RESCHEDULED", "CALLBACK_COMPLETED", "CALLBACK_NOT_REACHED"} {
		require.NotEmpty(t, msgs[k], k)
	}

	// A file of the documents folder is served, and replaces a default.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "service_template", "callback", "Resources", "Strings"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "service_template", "callback", "Resources", "Strings", "messages.json"), []byte(`{"CALLBACK_QUEUED":"Bientôt"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fr.txt"), []byte("bonjour"), 0o644))
	require.JSONEq(t, `{"CALLBACK_QUEUED":"Bientôt"}`, get(messagesPath).Body.String())
	rec = get("/genesys/1/document/fr.txt")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "bonjour", rec.Body.String())

	// Nothing outside the folder, no directories, no missing file: the 404 envelope.
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.txt"), []byte("x"), 0o644))
	for _, p := range []string{"/genesys/1/document/missing.json", "/genesys/1/document/..%2fsecret.txt",
		"/genesys/1/document/service_template", "/genesys/1/document/"} {
		rec := get(p)
		require.Equal(t, http.StatusNotFound, rec.Code, p)
		require.Contains(t, rec.Body.String(), `"code":40400`, p)
	}
}
