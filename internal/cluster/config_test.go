package cluster

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A cluster's ports are chosen once and kept with its data; membership
// ports fit Temporal's smallint column.
func TestPortsAreKeptWithTheCluster(t *testing.T) {
	dir := t.TempDir()
	first, err := loadPorts(dir, 0)
	require.NoError(t, err)
	for _, p := range []int{first.Membership.Frontend, first.Membership.History, first.Membership.Matching, first.Membership.Worker} {
		require.Less(t, p, 32768, "membership port %d", p)
		require.Greater(t, p, 0)
	}
	again, err := loadPorts(dir, 0)
	require.NoError(t, err)
	require.Equal(t, first, again, "a second start reuses them")
	_, err = loadPorts(dir, first.Frontend+1)
	require.ErrorContains(t, err, "holds a cluster with its frontend on port")

	fixed, err := loadPorts(t.TempDir(), 17233)
	require.NoError(t, err)
	require.Equal(t, 17233, fixed.Frontend)
}

func TestConfigNamesEveryPortAndTheShards(t *testing.T) {
	dir := t.TempDir()
	p, err := loadPorts(dir, 0)
	require.NoError(t, err)
	file, err := writeConfig(dir, 16, p)
	require.NoError(t, err)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	cfg := string(data)
	require.Contains(t, cfg, "numHistoryShards: 16")
	for _, port := range []int{p.Postgres, p.Frontend, p.History, p.Matching, p.Worker,
		p.Membership.Frontend, p.Membership.History, p.Membership.Matching, p.Membership.Worker} {
		require.Regexp(t, `[ :]`+strconv.Itoa(port)+`\b`, cfg, "port %d", port)
	}
	require.Contains(t, cfg, filepath.Join(dir, "dynamicconfig.yaml"))
	require.NotContains(t, cfg, "metrics", "the processes would share one metrics listener")
	require.Equal(t, 2, strings.Count(cfg, "pluginName: postgres12"), "persistence and SQL visibility")
}
