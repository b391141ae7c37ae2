// Package testenv starts the real components integration tests need: a
// throwaway PostgreSQL cluster and a Temporal dev server, each at most once
// per test binary, stopped by Main when the tests end.
package testenv

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	mu       sync.Mutex
	cleanups []func()
)

// Main runs the package's tests, then stops whatever they started.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	mu.Unlock()
	os.Exit(code)
}

func atExit(f func()) {
	mu.Lock()
	defer mu.Unlock()
	cleanups = append(cleanups, f)
}

// RepoRoot is the module root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}
