package workflows

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/opengms/callback/internal/testenv"
	"github.com/opengms/callback/privacy"
)

// corpus is the append-only replay corpus: histories recorded from every
// released version of the workflow, under <Release>/NAME.json, and the
// commit a release was cut at (<Release>/RELEASE), each file listed with
// its SHA-256 in MANIFEST (make record-histories adds, never rewrites).
var corpus = filepath.Join("testdata", "histories")

// TestReplayCorpus replays every recorded history of every release on the
// current code: a change that breaks determinism for a workflow an older
// release started fails here.
func TestReplayCorpus(t *testing.T) {
	files := corpusFiles(t)
	require.NotEmpty(t, files, "no recorded histories: run make record-histories")
	codec, err := testenv.Secrets(t).Codec()
	require.NoError(t, err)
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: privacy.DataConverter(codec)})
	require.NoError(t, err)
	r.RegisterWorkflow(CallbackWorkflow)
	for _, f := range files {
		if !strings.HasSuffix(f, ".json") {
			continue
		}
		t.Run(f, func(t *testing.T) {
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join(corpus, f)))
		})
	}
}

// TestCorpusIsAppendOnly fails when a recorded history was changed or
// deleted, or one was added without its manifest line: the corpus is what
// sleeping callbacks of older releases look like, and only grows.
func TestCorpusIsAppendOnly(t *testing.T) {
	manifest := readManifest(t)
	require.NotEmpty(t, manifest)
	for name, want := range manifest {
		data, err := os.ReadFile(filepath.Join(corpus, name))
		require.NoError(t, err, "%s is in MANIFEST: a recorded history is never deleted", name)
		sum := sha256.Sum256(data)
		require.Equal(t, want, hex.EncodeToString(sum[:]), "%s changed: a recorded history is never rewritten (record a new release instead)", name)
	}
	for _, f := range corpusFiles(t) {
		require.Contains(t, manifest, f, "%s is not in MANIFEST: record with make record-histories", f)
	}
	for name := range manifest {
		require.Equal(t, 2, len(strings.Split(name, "/")), "%s: histories live in a release's directory (<release>/NAME.json)", name)
	}
}

// TestCurrentReleaseIsRecorded: the release the code names has histories
// in the corpus, so the next release's replay covers it.
func TestCurrentReleaseIsRecorded(t *testing.T) {
	matches, err := filepath.Glob(filepath.Join(corpus, Release, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, matches, "release %s has no recorded histories: run make record-histories", Release)
}

// corpusFiles are the corpus' files but MANIFEST, as paths relative to it.
func corpusFiles(t *testing.T) []string {
	var out []string
	err := filepath.WalkDir(corpus, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "MANIFEST" {
			return err
		}
		rel, err := filepath.Rel(corpus, path)
		out = append(out, filepath.ToSlash(rel))
		return err
	})
	require.NoError(t, err)
	return out
}

// readManifest maps each history of MANIFEST (sha256sum's format) to its
// hash.
func readManifest(t *testing.T) map[string]string {
	f, err := os.Open(filepath.Join(corpus, "MANIFEST"))
	require.NoError(t, err)
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		require.True(t, ok, "MANIFEST line %q: want sha256sum's `HASH  NAME`", sc.Text())
		require.NotContains(t, out, name, "%s listed twice", name)
		out[name] = sum
	}
	require.NoError(t, sc.Err())
	return out
}
