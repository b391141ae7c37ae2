package chaos

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Result is what a run saw.
type Result struct {
	Mode    string
	Elapsed time.Duration
	Dir     string // logs and data, kept when the run failed

	// Clients.
	Requests, Accepted                int
	AcceptedImmediate                 int
	AcceptedScheduled                 int
	AcceptedCrash, AcceptedOutage     int
	Attempts, Retried5xx, RetriedConn int
	Status                            map[int]int // answers to every attempt

	// Crashes.
	Kills      map[string]int // per component
	Unexpected []string       // exits nobody asked for

	// Temporal, read model, ORS.
	Workflows, Completed, Running, Rows int
	Reasons                             map[string]int
	Sessions, StartAttempts             int
	// Webhooks: completed callbacks told their whole life in order,
	// notifications received (each once), and repeated deliveries.
	Notified, Notifications, NotificationRepeats int
	SettledIn                                    time.Duration // -1: not within SettleTimeout

	Outage OutageResult

	findings []finding
}

// count returns how many findings are of kind.
func (res *Result) count(kinds ...string) int {
	n := 0
	for _, f := range res.findings {
		if slices.Contains(kinds, f.kind) {
			n++
		}
	}
	return n
}

// Lost counts accepted callbacks not COMPLETED in Temporal and the read model.
func (res *Result) Lost() int { return res.count("lost") }

// Duplicates counts callbacks ORS started more than once, and requests that
// made more than one callback.
func (res *Result) Duplicates() int { return res.count("duplicate") }

// Mismatches counts workflows whose final record differs from their row (or
// from ORS), and rows or sessions without a workflow.
func (res *Result) Mismatches() int { return res.count("mismatch", "orphan", "ghost", "wrong-id") }

// Failures lists every failed check, one line each.
func (res *Result) Failures() []string {
	var out []string
	for _, f := range res.findings {
		out = append(out, fmt.Sprintf("%-13s %s  %s", f.kind, f.id, f.detail))
	}
	o := res.Outage
	if o.LookupOK != o.LookupProbes || o.LookupProbes == 0 {
		out = append(out, fmt.Sprintf("outage        lookups answered 503 with the envelope %d/%d", o.LookupOK, o.LookupProbes))
	}
	if o.HealthOK != o.HealthProbes || o.HealthProbes == 0 {
		out = append(out, fmt.Sprintf("outage        /healthz answered 503 naming PostgreSQL %d/%d", o.HealthOK, o.HealthProbes))
	}
	if !o.PostProbeOK {
		out = append(out, "outage        a POST start during the outage answered "+o.PostProbe+" (want 503 with the envelope)")
	}
	if o.Due > 0 && o.DueStarted < o.Due {
		out = append(out, fmt.Sprintf("outage        only %d of %d callbacks due while PostgreSQL was down started in ORS meanwhile", o.DueStarted, o.Due))
	}
	if o.Due == 0 {
		out = append(out, "outage        no callback fell due during the outage: nothing showed that workflows keep going")
	}
	if o.ConvergedIn < 0 {
		out = append(out, "outage        the read model did not converge after PostgreSQL came back")
	}
	for _, b := range o.BadProbes {
		out = append(out, "outage probe  "+b)
	}
	if res.SettledIn < 0 {
		out = append(out, "settle        not every callback completed within the wait")
	}
	if res.Sessions != res.Accepted {
		out = append(out, fmt.Sprintf("sessions      ORS started %d sessions for %d accepted callbacks", res.Sessions, res.Accepted))
	}
	if res.Accepted == 0 {
		out = append(out, "load          no callback was accepted")
	}
	return out
}

// OK tells whether every check passed.
func (res *Result) OK() bool { return len(res.Failures()) == 0 }

// collect fills in the clients' and the components' counts.
func (res *Result) collect(r *runner) {
	res.Status = map[int]int{}
	for _, rq := range r.l.requests("") {
		res.Requests++
		res.Attempts += rq.attempts
		res.RetriedConn += rq.connErrors
		for st, n := range rq.statuses {
			res.Status[st] += n
			if st/100 == 5 {
				res.Retried5xx += n
			}
		}
		if rq.id == "" {
			continue
		}
		res.Accepted++
		if rq.immediate {
			res.AcceptedImmediate++
		} else {
			res.AcceptedScheduled++
		}
		if rq.phase == "outage" {
			res.AcceptedOutage++
		} else {
			res.AcceptedCrash++
		}
	}
	res.Kills = map[string]int{}
	for _, p := range r.e.procs {
		kills, _, unexpected := p.stats()
		res.Kills[p.name] = kills
		res.Unexpected = append(res.Unexpected, unexpected...)
	}
}

// Summary is the table `make chaos` prints.
func (res *Result) Summary() string {
	var b strings.Builder
	row := func(name, format string, args ...any) {
		fmt.Fprintf(&b, "  %-26s %s\n", name, fmt.Sprintf(format, args...))
	}
	fmt.Fprintf(&b, "chaos results (%s run)\n", res.Mode)
	row("callbacks accepted", "%d  (immediate %d, scheduled %d; crash phase %d, outage phase %d)",
		res.Accepted, res.AcceptedImmediate, res.AcceptedScheduled, res.AcceptedCrash, res.AcceptedOutage)
	row("start requests", "%d  (%d POSTs: %d retried after 5xx, %d after connection errors; answers %s)",
		res.Requests, res.Attempts, res.Retried5xx, res.RetriedConn, statusList(res.Status))
	row("kills (kill -9)", "%s (postgres: one of them the %.0fs outage)", killList(res.Kills), res.Outage.Down.Seconds())
	row("unexpected exits", "%d", len(res.Unexpected))
	row("workflows", "%d  (completed %d, running %d; reasons %s)", res.Workflows, res.Completed, res.Running, reasonList(res.Reasons))
	row("read-model rows", "%d", res.Rows)
	row("ORS sessions", "%d  (start requests received %d)", res.Sessions, res.StartAttempts)
	row("webhooks", "%d/%d completed callbacks told every change in order, signed (%d notifications, %d delivered again)",
		res.Notified, res.Completed, res.Notifications, res.NotificationRepeats)
	row("duplicates", "%d", res.Duplicates())
	row("lost", "%d", res.Lost())
	row("mismatches", "%d  (workflow vs read model vs ORS; rows or sessions without a workflow)", res.Mismatches())
	if n := res.count("not-connected", "stuck", "failed", "refused", "gave-up", "outage", "notification"); n > 0 {
		row("other failures", "%d", n)
	}
	o := res.Outage
	row("outage: lookups", "%d/%d answered 503 SERVICE_UNAVAILABLE (50300) envelope", o.LookupOK, o.LookupProbes)
	row("outage: /healthz", "%d/%d answered 503 naming PostgreSQL", o.HealthOK, o.HealthProbes)
	row("outage: POST start", "%s", firstLine(o.PostProbe))
	row("outage: progress", "%d/%d callbacks due while down started in ORS meanwhile (at most %.1fs late); %d/%d ORS state reports accepted while down",
		o.DueStarted, o.Due, o.MaxSubmitLag.Seconds(), o.ReportsOKWhileDown, o.ReportsWhileDown)
	conv := "never"
	if o.ConvergedIn >= 0 {
		conv = fmt.Sprintf("%.1fs after PostgreSQL came back", o.ConvergedIn.Seconds())
	}
	row("outage: read model", "converged %s", conv)
	settled := "not within the wait"
	if res.SettledIn >= 0 {
		settled = fmt.Sprintf("%.1fs after the load", res.SettledIn.Seconds())
	}
	row("all completed", "%s", settled)
	row("elapsed", "%s", res.Elapsed.Round(100*time.Millisecond))
	fails := res.Failures()
	if len(fails) == 0 {
		b.WriteString("RESULT: PASS\n")
		return b.String()
	}
	fmt.Fprintf(&b, "RESULT: FAIL (%d)\n", len(fails))
	for i, f := range fails {
		if i == 40 {
			fmt.Fprintf(&b, "  ... and %d more\n", len(fails)-i)
			break
		}
		b.WriteString("  " + f + "\n")
	}
	for _, u := range res.Unexpected {
		b.WriteString("  unexpected exit: " + u + "\n")
	}
	if res.Dir != "" {
		fmt.Fprintf(&b, "  logs: %s/logs\n", res.Dir)
	}
	return b.String()
}

func statusList(m map[int]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d×%d", m[k], k))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func reasonList(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// killList renders the kills per component, in a fixed order, those never
// killed left out.
func killList(kills map[string]int) string {
	var parts []string
	for _, name := range []string{"worker", "api", "temporal", "temporal-history", "temporal-frontend", "temporal-matching", "temporal-worker", "postgres"} {
		if n := kills[name]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", name, n))
		}
	}
	return strings.Join(parts, ", ")
}
