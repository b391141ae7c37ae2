package main

import (
	"strings"
	"testing"
)

func TestSideBySideMatchesRowsAcrossCounts(t *testing.T) {
	dev := []row{
		{"start throughput c=4, sustained: API / baseline", "90/s / 100/s = **0.90**", "≥ 0.8", "pass"},
		{"start throughput c=16, sustained: API / baseline", "95/s / 100/s = **0.95**", "≥ 0.8", "pass"},
		{"fire lateness p50 / p99 (300 due within 20s, 3300 pending)", "50 ms / **300 ms**", "p99 ≤ 1 s", "pass"},
	}
	cl := []row{
		{"start throughput c=4, sustained: API / baseline", "28/s / 40/s = **0.70**", "≥ 0.8", "FAIL"},
		{"start throughput c=16, sustained: API / baseline", "30/s / 40/s = **0.75**", "≥ 0.8", "FAIL"},
		{"Temporal + PostgreSQL per open workflow (cluster, 3301 open)", "disk 25.7 KB", "—", "—"},
		{"fire lateness p50 / p99 (300 due within 20s, 3301 pending)", "80 ms / **900 ms**", "p99 ≤ 1 s", "pass"},
	}
	got := sideBySide(dev, cl)
	lines := strings.Split(got, "\n")
	want := []string{
		"| metric | dev server | real cluster | target |",
		"|---|---|---|---|",
		"| start throughput c=4, sustained: API / baseline | 90/s / 100/s = **0.90** (pass) | 28/s / 40/s = **0.70** (FAIL) | ≥ 0.8 |",
		"| start throughput c=16, sustained: API / baseline | 95/s / 100/s = **0.95** (pass) | 30/s / 40/s = **0.75** (FAIL) | ≥ 0.8 |",
		"| fire lateness p50 / p99 (300 due within 20s, 3300 pending) / cluster: fire lateness p50 / p99 (300 due within 20s, 3301 pending) | 50 ms / **300 ms** (pass) | 80 ms / **900 ms** (pass) | p99 ≤ 1 s |",
		"| Temporal + PostgreSQL per open workflow (cluster, 3301 open) | — | disk 25.7 KB | — |",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), got)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i, lines[i], want[i])
		}
	}
}
