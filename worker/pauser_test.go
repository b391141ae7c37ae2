package worker

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
)

// pausedINI is a service paused (or not) by its paused-services list.
const pausedINI = `
[pauses]
svc = {PAUSED}

[service.svc]
_paused_services_list = pauses
`

func pauseConfig(t *testing.T, paused string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(strings.ReplaceAll(pausedINI, "{PAUSED}", paused)))
	require.NoError(t, err)
	require.Equal(t, paused == "true", cfg.ServicePaused("svc"))
	return cfg
}

// fakeCallbacks holds callbacks' states in memory. The first pause it is
// asked for blocks until release is closed (a slow Temporal), after
// telling blocked.
type fakeCallbacks struct {
	mu      sync.Mutex
	states  map[string]callback.State
	lists   []callback.State // the states listed, in order
	blocked chan struct{}
	release chan struct{}
	once    sync.Once
}

func newFakeCallbacks(states map[string]callback.State) *fakeCallbacks {
	return &fakeCallbacks{states: states, blocked: make(chan struct{}), release: make(chan struct{})}
}

func (f *fakeCallbacks) IDsInState(_ context.Context, _ string, st callback.State) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, st)
	var ids []string
	for id, s := range f.states {
		if s == st {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func (f *fakeCallbacks) SetPaused(_ context.Context, id string, paused bool) error {
	if paused {
		f.once.Do(func() { close(f.blocked); <-f.release })
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case paused && f.states[id] == callback.Queued:
		f.states[id] = callback.Paused
	case !paused && f.states[id] == callback.Paused:
		f.states[id] = callback.Queued
	}
	return nil
}

func (f *fakeCallbacks) state(id string) callback.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.states[id]
}

func testPauser(f *fakeCallbacks) *Pauser {
	return &Pauser{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), target: f}
}

// TestPauserLastConfigWins is the worker's start and a reload racing: the
// start's pause is slow, the reload resumes; the callback must end
// resumed (issue 14 C: the two applies overlapped and the stale pause
// landed after the resume).
func TestPauserLastConfigWins(t *testing.T) {
	f := newFakeCallbacks(map[string]callback.State{"cb": callback.Queued})
	p := testPauser(f)
	ctx := context.Background()
	p.ApplyLatest(ctx, pauseConfig(t, "true"))  // the configuration at start
	<-f.blocked                                 // its pause is in flight
	p.ApplyLatest(ctx, pauseConfig(t, "false")) // a reload resumes the service
	time.Sleep(50 * time.Millisecond)           // room for a reload that does not wait
	close(f.release)
	p.Wait()
	require.Equal(t, callback.Queued, f.state("cb"), "the last configuration (not paused) wins")
	require.Equal(t, []callback.State{callback.Queued, callback.Paused}, f.lists,
		"the reload lists the PAUSED callbacks only after the pause in flight is done")
}

// TestPauserSkipsStaleConfigs: configurations given while one is applied
// are not applied one by one; only the latest is, once the running apply
// is done.
func TestPauserSkipsStaleConfigs(t *testing.T) {
	f := newFakeCallbacks(map[string]callback.State{"cb": callback.Queued})
	p := testPauser(f)
	ctx := context.Background()
	p.ApplyLatest(ctx, pauseConfig(t, "true"))
	<-f.blocked
	p.ApplyLatest(ctx, pauseConfig(t, "false")) // stale before it is applied
	p.ApplyLatest(ctx, pauseConfig(t, "true"))
	close(f.release)
	p.Wait()
	require.Equal(t, callback.Paused, f.state("cb"))
	require.Equal(t, []callback.State{callback.Queued, callback.Queued}, f.lists,
		"the running apply, then the latest configuration only")
}
