package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/opengms/callback/callback"
)

// OutageResult is what the read-model outage showed.
type OutageResult struct {
	Down                   time.Duration // PostgreSQL down for
	LookupProbes, LookupOK int           // GET lookups answered 503 with the envelope
	HealthProbes, HealthOK int           // /healthz answered 503 naming PostgreSQL
	PostProbe              string        // what a POST start answered meanwhile
	PostProbeOK            bool
	postKey                string
	Due, DueStarted        int           // callbacks due while it was down / whose ORS session started meanwhile
	MaxSubmitLag           time.Duration // longest wait from due time to ORS session among them
	SessionsWhileDown      int           // ORS sessions started while it was down
	ReportsWhileDown       int           // ORS state reports (PUT) made while it was down
	ReportsOKWhileDown     int           // ... of which the API accepted (2xx)
	ConvergedIn            time.Duration
	BadProbes              []string
}

// outagePhase posts a batch (half immediate now, half due during the
// outage), takes PostgreSQL away for Outage and probes the API meanwhile,
// restarts it, and measures how long the read model takes to converge.
func (r *runner) outagePhase(ctx context.Context) error {
	o, e := r.o, r.e
	res := &r.res.Outage
	half := max(1, o.OutageCallbacks/2)
	// The scheduled half falls due during the first half of the outage (from
	// 1 s after it starts); posting them takes a moment on a loaded machine.
	killPlan := time.Now().Add(3*time.Second + time.Duration(half)*200*time.Millisecond)
	span := max(min(o.Outage/2, o.Outage-5*time.Second), time.Second)
	var sched, imm []*request
	for i := range half {
		desired := killPlan.Add(time.Second + time.Duration(i)*span/time.Duration(half))
		sched = append(sched, r.l.newRequest("outage", false, desired))
	}
	for range o.OutageCallbacks - half {
		imm = append(imm, r.l.newRequest("outage", true, time.Time{}))
	}
	r.logf("read-model outage: posting %d callbacks due while PostgreSQL is down and %d immediate ones just before; then kill -9 postgres for %s",
		len(sched), len(imm), o.Outage)
	r.l.postAll(ctx, sched, o.Clients)
	if late := time.Since(killPlan); late > 0 {
		r.logf("posting the scheduled callbacks took %.1fs longer than planned", late.Seconds())
	}
	// The immediate ones go in a second before the kill: some are still in
	// flight, or being driven by ORS, when PostgreSQL dies.
	immDone := make(chan struct{})
	go func() {
		defer close(immDone)
		sleepCtx(ctx, time.Until(killPlan.Add(-time.Second)))
		r.l.postAll(ctx, imm, o.Clients)
	}()
	sleepCtx(ctx, time.Until(killPlan))

	pid, err := e.pg.kill9()
	if err != nil {
		return err
	}
	killAt := time.Now()
	r.logf("kill -9 postgres (pgid %d); down for %s; probing the API every second", pid, o.Outage)
	probeNumber := sched[0].number
	postDone := false
	for next := killAt.Add(1500 * time.Millisecond); time.Until(killAt.Add(o.Outage)) > 0; next = next.Add(time.Second) {
		if !sleepCtx(ctx, time.Until(next)) {
			return ctx.Err()
		}
		r.probeLookup(ctx, probeNumber)
		r.probeHealth(ctx)
		if !postDone && time.Since(killAt) > o.Outage/2 {
			postDone = true
			r.probePost(ctx)
		}
	}
	restartAt := time.Now()
	if err := e.pg.restart(ctx, o.ReadyTimeout); err != nil {
		return err
	}
	res.Down = restartAt.Sub(killAt)
	r.logf("postgres restarted after %.1fs down; lookups 503+envelope %d/%d, /healthz 503 PostgreSQL %d/%d, POST: %s",
		res.Down.Seconds(), res.LookupOK, res.LookupProbes, res.HealthOK, res.HealthProbes, res.PostProbe)
	if err := e.api.waitReady(ctx, o.ReadyTimeout); err != nil {
		return fmt.Errorf("after the outage: %w", err)
	}
	<-immDone

	// What progressed while it was down.
	ids := map[string]bool{}
	for _, rq := range r.l.requests("outage") {
		if rq.id != "" {
			ids[rq.id] = true
			if !rq.immediate && !rq.desired.Before(killAt) && rq.desired.Before(restartAt.Add(-3*time.Second)) {
				res.Due++
				for _, s := range e.ors.Starts() {
					if s.Key != rq.id {
						continue
					}
					res.MaxSubmitLag = max(res.MaxSubmitLag, s.Time.Sub(rq.desired))
					if !s.Time.Before(killAt) && s.Time.Before(restartAt) {
						res.DueStarted++
					}
					break
				}
			}
		}
	}
	for _, s := range e.ors.Starts() {
		if !s.Time.Before(killAt) && s.Time.Before(restartAt) {
			res.SessionsWhileDown++
		}
	}
	for _, u := range e.ors.Updates() {
		if !u.Time.Before(killAt) && u.Time.Before(restartAt) {
			res.ReportsWhileDown++
			if u.Status/100 == 2 {
				res.ReportsOKWhileDown++
			}
		}
	}
	r.logf("while down: %d/%d due callbacks started in ORS (at most %.1fs after their due time), %d sessions started, %d state reports accepted of %d made",
		res.DueStarted, res.Due, res.MaxSubmitLag.Seconds(), res.SessionsWhileDown, res.ReportsOKWhileDown, res.ReportsWhileDown)

	// Convergence: every row of the batch shows what its workflow holds.
	deadline := time.Now().Add(o.SettleTimeout)
	res.ConvergedIn = -1
	lastReport := time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		pending := r.unconverged(ctx, ids)
		if len(pending) == 0 {
			res.ConvergedIn = time.Since(restartAt)
			r.logf("read model converged %.1fs after PostgreSQL came back", res.ConvergedIn.Seconds())
			break
		}
		if time.Since(lastReport) > 5*time.Second {
			lastReport = time.Now()
			r.logf("read model not converged yet (%d callbacks), e.g. %s", len(pending), pending[0])
		}
		sleepCtx(ctx, 500*time.Millisecond)
	}
	if res.ConvergedIn < 0 {
		r.logf("read model did not converge within %s", o.SettleTimeout)
	}
	return nil
}

// unconverged describes the callbacks of ids that are not COMPLETED in
// Temporal or whose row differs from the workflow's record.
func (r *runner) unconverged(ctx context.Context, ids map[string]bool) []string {
	var out []string
	for id := range ids {
		w := r.workflowState(ctx, id)
		if w.err != nil || !w.closed || w.rec.State != callback.Completed {
			out = append(out, fmt.Sprintf("%s: workflow %s v%d (err %v)", id, w.rec.State, w.rec.Version, w.err))
			continue
		}
		row, err := r.e.store.Get(ctx, id)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: row %v", id, err))
		} else if d := diffRecord(w.rec, row); d != "" {
			out = append(out, id+": "+d)
		}
	}
	return out
}

// envelope is the GMS error body.
type envelope struct {
	Code      int    `json:"code"`
	Phrase    string `json:"phrase"`
	Message   string `json:"message"`
	Exception string `json:"exception"`
}

func (r *runner) get(ctx context.Context, path string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.e.apiURL+path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

func isUnavailable(status int, body []byte) bool {
	var env envelope
	return status == http.StatusServiceUnavailable && json.Unmarshal(body, &env) == nil &&
		env.Code == 50300 && env.Phrase == "SERVICE_UNAVAILABLE" && env.Message != "" && env.Exception != ""
}

func (r *runner) probeLookup(ctx context.Context, number string) {
	res := &r.res.Outage
	status, body, err := r.get(ctx, "/genesys/1/service/callback/"+serviceName+"?"+url.Values{callback.KeyCustomerNumber: {number}}.Encode())
	res.LookupProbes++
	if err == nil && isUnavailable(status, body) {
		res.LookupOK++
		return
	}
	res.BadProbes = append(res.BadProbes, fmt.Sprintf("lookup: %d %s %v", status, truncate(body), err))
}

func (r *runner) probeHealth(ctx context.Context) {
	res := &r.res.Outage
	status, body, err := r.get(ctx, "/healthz")
	res.HealthProbes++
	if err == nil && status == http.StatusServiceUnavailable && strings.Contains(string(body), "PostgreSQL") {
		res.HealthOK++
		return
	}
	res.BadProbes = append(res.BadProbes, fmt.Sprintf("healthz: %d %s %v", status, truncate(body), err))
}

// probePost sends one start (never retried): 503 with the envelope is
// expected, and no callback may exist for it afterwards.
func (r *runner) probePost(ctx context.Context) {
	res := &r.res.Outage
	rq := &request{key: "outage-probe-" + fmt.Sprint(time.Now().UnixNano()), number: "6175559999", statuses: map[int]int{}}
	rq.form = url.Values{callback.KeyCustomerNumber: {rq.number}, "usr_chaos_key": {rq.key}, "usr_chaos_phase": {"probe"}}
	res.postKey = rq.key
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	status, body, err := r.l.once(ctx, rq, rq.form.Encode())
	switch {
	case err != nil:
		res.PostProbe = "error " + err.Error()
	default:
		res.PostProbe = fmt.Sprintf("%d %s", status, truncate(body))
		res.PostProbeOK = isUnavailable(status, body)
	}
	if !res.PostProbeOK {
		res.BadProbes = append(res.BadProbes, "post: "+res.PostProbe)
	}
}
