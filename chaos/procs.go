package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// proc is one component run as a subprocess in its own process group, so
// that kill -9 reaches it and every child it forked (PostgreSQL backends).
// It is restarted when it exits on its own (as a supervisor would), and
// killed with its group when the run ends, whatever happens.
type proc struct {
	name  string
	logf  func(format string, args ...any)
	build func() *exec.Cmd // a fresh command for each start
	ready func(ctx context.Context) error
	log   *os.File

	mu         sync.Mutex
	cmd        *exec.Cmd
	done       chan struct{} // closed when cmd has exited
	held       bool          // down on purpose (killed, or stopping)
	stopping   bool
	kills      int
	starts     int
	unexpected []string // exits nobody asked for
	downtime   []time.Duration
}

// start starts the component (no wait for readiness).
func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startLocked()
}

func (p *proc) startLocked() error {
	if p.stopping {
		return errors.New(p.name + ": stopping")
	}
	cmd := p.build()
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	// Killed with us if the harness dies (go test timeout, Ctrl-C).
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	fmt.Fprintf(p.log, "\n==== chaos: starting %s at %s\n", p.name, time.Now().Format(time.RFC3339Nano))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.held = cmd, done, false
	p.starts++
	go p.watch(cmd, done)
	return nil
}

// watch waits for cmd, and restarts the component when it exited on its own.
func (p *proc) watch(cmd *exec.Cmd, done chan struct{}) {
	err := cmd.Wait()
	pid := cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGKILL) // whatever of its group is left
	p.mu.Lock()
	expected := p.held || p.stopping || p.cmd != cmd
	if !expected {
		msg := fmt.Sprintf("%s (pid %d) exited on its own at %s: %v", p.name, pid, time.Now().Format("15:04:05.000"), err)
		p.unexpected = append(p.unexpected, msg)
		p.logf("%s; restarting it in 1s", msg)
	}
	p.mu.Unlock()
	close(done)
	if expected {
		return
	}
	time.Sleep(time.Second)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == cmd && !p.held && !p.stopping {
		if err := p.startLocked(); err != nil {
			p.logf("restart of %s failed: %v", p.name, err)
		}
	}
}

// kill9 sends SIGKILL to the component's process group and waits until it
// is gone. It stays down until restart.
func (p *proc) kill9() (pid int, err error) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.held = true
	if cmd == nil {
		p.mu.Unlock()
		return 0, errors.New(p.name + " is not running")
	}
	p.kills++
	p.mu.Unlock()
	pid = cmd.Process.Pid
	fmt.Fprintf(p.log, "\n==== chaos: kill -9 %s (pgid %d) at %s\n", p.name, pid, time.Now().Format(time.RFC3339Nano))
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		return pid, fmt.Errorf("%s (pid %d) did not exit within 15s of SIGKILL", p.name, pid)
	}
	waitGroupGone(pid, 5*time.Second)
	return pid, nil
}

// restart starts a killed component again and waits until it is ready.
func (p *proc) restart(ctx context.Context, timeout time.Duration) error {
	if err := p.start(); err != nil {
		return err
	}
	return p.waitReady(ctx, timeout)
}

// waitReady polls ready until it succeeds, timeout passes or ctx ends.
func (p *proc) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		cctx, ccancel := context.WithTimeout(ctx, 3*time.Second)
		last = p.ready(cctx)
		ccancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready within %s: %v", p.name, timeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// stop kills the component for good (end of run).
func (p *proc) stop() {
	p.mu.Lock()
	p.stopping = true
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
	}
	waitGroupGone(cmd.Process.Pid, 3*time.Second)
}

func (p *proc) stats() (kills, starts int, unexpected []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kills, p.starts, append([]string(nil), p.unexpected...)
}

// waitGroupGone waits until no live (non-zombie) process is left in
// process group pgid, or max passes.
func waitGroupGone(pgid int, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		if !groupAlive(pgid) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// groupAlive tells whether a process of group pgid that is not a zombie
// exists (zombies may linger when PID 1 does not reap).
func groupAlive(pgid int) bool {
	if err := syscall.Kill(-pgid, 0); err != nil {
		return false
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, e := range entries {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces: parse after the last ')'.
		s := string(b)
		i := lastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		var state string
		var ppid, pgrp int
		if _, err := fmt.Sscanf(s[i+1:], " %s %d %d", &state, &ppid, &pgrp); err != nil {
			continue
		}
		if pgrp == pgid && state != "Z" && state != "X" {
			return true
		}
	}
	return false
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}
