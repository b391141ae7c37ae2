package config

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWatchReloadsOnChangeAndSIGHUP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gms.ini")
	write := func(s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o644)) }
	write("[service.a]\n_app_url = one\n")
	got := make(chan *Config, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Watch(ctx, path, slog.New(slog.NewTextHandler(io.Discard, nil)), func(c *Config) { got <- c })
	time.Sleep(100 * time.Millisecond)

	write("[service.a]\n_app_url = two, changed\n")
	select {
	case c := <-got:
		require.Equal(t, "two, changed", c.Services["a"].Options["_app_url"])
	case <-time.After(5 * time.Second):
		t.Fatal("file change not reloaded")
	}

	write("[broken")
	time.Sleep(2 * watchInterval)
	require.Empty(t, got, "a file that does not parse is not applied")

	write("[service.a]\n_app_url = three\n")
	<-got
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	select {
	case c := <-got:
		require.Equal(t, "three", c.Services["a"].Options["_app_url"])
	case <-time.After(5 * time.Second):
		t.Fatal("SIGHUP did not reload")
	}
}
