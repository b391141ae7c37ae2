package main

import (
	"fmt"
	"os"
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
		fmt.Fprintf(&s, "\nMicro-benchmarks (`go test -run '^$' -bench . -benchmem ./calendar ./config ./queries ./schedule`):\n\n```\n%s\n```\n", micro)
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
