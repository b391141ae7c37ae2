package config

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// watchInterval is how often Watch looks at the file.
const watchInterval = time.Second

// Watch reloads the configuration at path when the file changes or the
// process receives SIGHUP, and hands each new Config to apply. A file that
// does not parse is logged and the running configuration kept. It returns
// when ctx ends.
func Watch(ctx context.Context, path string, logger *slog.Logger, apply func(*Config)) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	last := stamp(path)
	tick := time.NewTicker(watchInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		case <-tick.C:
			if now := stamp(path); now == last {
				continue
			}
		}
		last = stamp(path)
		c, err := Load(path)
		if err != nil {
			logger.ErrorContext(ctx, "configuration not reloaded, keeping the running one", "path", path, "error", err)
			continue
		}
		logger.InfoContext(ctx, "configuration reloaded", "path", path)
		apply(c)
	}
}

// stamp identifies a version of the file.
func stamp(path string) [2]int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return [2]int64{}
	}
	return [2]int64{fi.ModTime().UnixNano(), fi.Size()}
}
