package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// reportHeader starts a new BENCHMARKS.md; what is outside the generated
// sections (notes, before/after figures) is never rewritten.
const reportHeader = `# Benchmarks

` + "`make bench`" + ` (full, about 7 minutes) and ` + "`make bench-quick`" + ` (about 2 minutes) run ` + "`go run ./bench`" + `:
it starts its own in-memory Temporal dev server, PostgreSQL cluster (fsync off, as in the tests),
ORS simulator (in process, answering at once), worker and API (built from ./cmd), and measures them
through the HTTP API. Each run rewrites only its own section below.
`

// writeReport replaces the section of run name in path (creating the file
// when missing) with the table, the machine and the details.
func writeReport(path, name, machine string, at time.Time, table string, details []string, micro string) error {
	begin, end := "<!-- bench:"+name+":begin -->", "<!-- bench:"+name+":end -->"
	var s strings.Builder
	fmt.Fprintf(&s, "%s\n## Latest %s run\n\n", begin, name)
	fmt.Fprintf(&s, "%s, %s.\n\n%s\n\n", at.UTC().Format("2006-01-02 15:04 MST"), machine, table)
	if len(details) > 0 {
		s.WriteString("<details><summary>Details</summary>\n\n")
		for _, d := range details {
			fmt.Fprintf(&s, "- %s\n", d)
		}
		s.WriteString("\n</details>\n")
	}
	if micro != "" {
		fmt.Fprintf(&s, "\nMicro-benchmarks (`go test -run '^$' -bench . -benchmem ./calendar ./config ./privacy ./queries ./schedule`):\n\n```\n%s\n```\n", micro)
	}
	s.WriteString(end)
	section := s.String()

	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := string(old)
	if doc == "" {
		doc = reportHeader
	}
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i >= 0 && j > i {
		doc = doc[:i] + section + doc[j+len(end):]
	} else {
		doc = strings.TrimRight(doc, "\n") + "\n\n" + section + "\n"
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

// compare runs dev (on the dev server), then cl (on a real cluster), one
// after the other on the same machine, and reports them side by side.
func compare(ctx context.Context, dev, cl *bench) error {
	for _, b := range []*bench{dev, cl} {
		err := b.runPhases(ctx)
		b.cl.run() // the dev server stops before the cluster starts
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
	}
	table := sideBySide(dev.results, cl.results)
	fmt.Println()
	fmt.Println(table)
	var details []string
	for _, b := range []*bench{dev, cl} {
		for _, d := range b.details {
			details = append(details, b.name+": "+d)
		}
	}
	name := strings.Replace(cl.name, "-cluster", "-compare", 1)
	if dev.out == "" {
		return nil
	}
	if err := writeReport(dev.out, name, machine(runtime.Version()), dev.t0, table, details, ""); err != nil {
		return err
	}
	dev.logf("written to %s", dev.out)
	return nil
}

// sideBySide is one table of two runs' rows, matched by their metric with
// the numbers in it left out (they name counts that differ between runs),
// but a concurrency (c=N), which names the row.
func sideBySide(dev, cl []row) string {
	numbers := regexp.MustCompile(`(c=)?\d[\d.]*`)
	key := func(r row) string {
		return numbers.ReplaceAllStringFunc(r.metric, func(m string) string {
			if strings.HasPrefix(m, "c=") {
				return m
			}
			return "#"
		})
	}
	byKey := map[string]row{}
	for _, r := range cl {
		byKey[key(r)] = r
	}
	cell := func(r row, ok bool) string {
		if !ok {
			return "—"
		}
		if r.result == "—" {
			return r.value
		}
		return r.value + " (" + r.result + ")"
	}
	var s strings.Builder
	s.WriteString("| metric | dev server | real cluster | target |\n|---|---|---|---|\n")
	seen := map[string]bool{}
	for _, r := range dev {
		c, ok := byKey[key(r)]
		seen[key(r)] = true
		metric := r.metric
		if ok && c.metric != r.metric {
			metric += " / cluster: " + c.metric
		}
		fmt.Fprintf(&s, "| %s | %s | %s | %s |\n", metric, cell(r, true), cell(c, ok), r.target)
	}
	for _, c := range cl {
		if !seen[key(c)] {
			fmt.Fprintf(&s, "| %s | — | %s | %s |\n", c.metric, cell(c, true), c.target)
		}
	}
	return strings.TrimRight(s.String(), "\n")
}
