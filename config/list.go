package config

import "strings"

// SplitList splits a CSV option value: entries trimmed, empty ones dropped,
// duplicates removed (first occurrence kept). It returns nil for no entries.
func SplitList(v string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	return out
}
