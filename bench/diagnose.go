package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/schedule"
	"github.com/opengms/callback/workflows"
)

// The diagnostics split the API's start into its parts, each run alone at
// the same concurrency: the admission transaction (queries.Store.Admit),
// and a direct start of the service's own CallbackWorkflow with the input
// the API would send (no HTTP, no admission); and they describe the history
// each kind of workflow leaves.

// diagnose runs the parts at concurrency c and describes the histories.
func (b *bench) diagnose(ctx context.Context, c int) error {
	if err := b.admissionProbe(ctx, c); err != nil {
		return err
	}
	if err := b.visibilityCost(ctx, c); err != nil {
		return err
	}
	b.quiesce(ctx)
	offs := offsets(b.perLevel, 4)
	c0 := b.cpuNow()
	t := time.Now()
	r := closedLoop(ctx, b.perLevel, c, b.directStart(offs))
	c1 := b.cpuNow()
	b.count(fmt.Sprintf("direct CallbackWorkflow c=%d", c), r)
	b.quiesce(ctx)
	c2 := b.cpuNow()
	b.detail("c=%d: direct ExecuteWorkflow(CallbackWorkflow), no HTTP, no admission: %.0f/s (p50 %s, p99 %s) in %s",
		c, r.rate(), ms(pct(r.lat, .5)), ms(pct(r.lat, .99)), time.Since(t).Round(10*time.Millisecond))
	b.detail("c=%d CPU ms per direct CallbackWorkflow start: while answering: %s | until quiet: %s", c, perStart(c1.minus(c0), r.n), perStart(c2.minus(c0), r.n))

	if in, err := b.directInput(time.Now().Add(24*time.Hour), "+12125550100"); err == nil {
		raw, _ := json.Marshal(in)
		b.detail("CallbackWorkflow input: %d bytes of JSON, %d effective options", len(raw), len(in.Settings.Options))
	}
	var id string
	if err := b.db.GetContext(ctx, &id, `SELECT id FROM callbacks WHERE service = $1 AND state = 'SCHEDULED' ORDER BY created_at LIMIT 1`, benchService); err != nil {
		return err
	}
	b.detail("history of a scheduled API callback: %s", b.history(ctx, id))
	b.detail("history of a baseline Sleepy: %s", b.history(ctx, "sleepy-1"))
	if b.profile > 0 {
		b.quiesce(ctx)
		offs := offsets(100_000, 6)
		return b.profileLoad(ctx, "starts", func(ctx context.Context) {
			if r := closedLoop(ctx, 200, c, b.scheduledStart(offs)); ctx.Err() == nil {
				b.count("profiled starts", r) // not the batch the end of the profile cut short
			}
		})
	}
	return nil
}

// directInput builds the workflows.Input the API sends for a scheduled start
// (as api.admit and api.settings do).
func (b *bench) directInput(desired time.Time, number string) (workflows.Input, error) {
	b.cfgOnce.Do(func() { b.cfg, b.cfgErr = config.Load(b.dir + "/bench.ini") })
	cfg, err := b.cfg, b.cfgErr
	if err != nil {
		return workflows.Input{}, err
	}
	svc, e := cfg.CallbackService(benchService)
	if e != nil {
		return workflows.Input{}, e
	}
	p := map[string]string{callback.KeyCustomerNumber: number, "usr_customer_name": "Bench Customer " + number[len(number)-4:],
		callback.KeyDesiredTime: desired.UTC().Format("2006-01-02T15:04:05.000Z")}
	opts, e := cfg.Effective(svc, p)
	if e != nil {
		return workflows.Input{}, e
	}
	id := uuid.NewString()
	props := map[string]string{}
	for k, v := range p {
		if !callback.Fields[k] {
			props[k] = v
		}
	}
	now := time.Now().UTC()
	return workflows.Input{
		Record: callback.Record{ID: id, Service: benchService, State: callback.Scheduled, DesiredTime: desired.UTC(), CreatedAt: now,
			Properties: props, LookupKeys: opts.List(config.OptCustomerLookupKeys)},
		Settings: workflows.Settings{
			ORSURL: opts.String(config.OptORS), AppURL: opts.String(config.OptAppURL),
			CallbackURL:       "http://127.0.0.1/genesys/1/service/callback/" + benchService + "/" + id,
			MaxSubmitAttempts: opts.Int(config.OptMaxORSSubmitAttempts),
			ExecutionBuffer:   opts.Seconds(config.OptRequestExecutionTimeBuffer),
			QueueTimeStat:     opts.String(config.OptRequestQueueTimeStat),
			MandatoryKeys:     opts.List(config.OptMandatoryCustomerLookupKeys),
			Options:           opts,
		},
	}, nil
}

func (b *bench) directStart(offs []time.Duration) func(context.Context, int) error {
	return func(ctx context.Context, i int) error {
		in, err := b.directInput(time.Now().Add(24*time.Hour+offs[i%len(offs)]), b.nextNumber())
		if err != nil {
			return err
		}
		_, err = b.enc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: in.Record.ID, TaskQueue: taskQueue,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		}, workflows.CallbackWorkflow, in)
		return err // no admission row: it writes nothing until its first change
	}
}

// history summarizes a workflow's history: events, bytes, event types.
func (b *bench) history(ctx context.Context, id string) string {
	it := b.tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n, size := 0, 0
	kinds := map[string]int{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return "error: " + err.Error()
		}
		n++
		size += proto.Size(ev)
		kinds[strings.TrimPrefix(ev.GetEventType().String(), "EVENT_TYPE_")]++
	}
	var ks []string
	for k, v := range kinds {
		ks = append(ks, fmt.Sprintf("%s×%d", k, v))
	}
	sort.Strings(ks)
	return fmt.Sprintf("%d events, %d bytes (%s)", n, size, strings.Join(ks, ", "))
}

// probeService holds the admission probe's rows (deleted afterwards).
const probeService = "bench-admission-probe"

// admissionProbe runs the API's admission transaction alone
// (queries.Store.Admit as the API calls it for a scheduled start of service
// bench: 5-minute buckets, no in-queue check, no throttle) at concurrency c,
// on a pool like the API's, then removes its rows.
func (b *bench) admissionProbe(ctx context.Context, c int) error {
	store, err := queries.Open(ctx, b.pg.url)
	if err != nil {
		return err
	}
	defer store.Close()
	offs := offsets(b.perLevel, 5)
	const size = 5 * time.Minute
	c0 := b.cpuNow()
	r := closedLoop(ctx, b.perLevel, c, func(ctx context.Context, i int) error {
		now := time.Now().UTC()
		desired := now.Add(24*time.Hour + offs[i])
		start := schedule.BucketStart(desired, size)
		number := b.nextNumber()
		return store.Admit(ctx, queries.Admission{
			Record: callback.Record{ID: uuid.NewString(), Service: probeService, State: callback.Scheduled, DesiredTime: desired, CreatedAt: now,
				Properties: map[string]string{callback.KeyCustomerNumber: number, "usr_customer_name": "Bench Customer " + number[len(number)-4:]},
				LookupKeys: []string{callback.KeyCustomerNumber}},
			Bucket:    &callback.Bucket{Start: start, End: start.Add(size), Capacity: 1_000_000},
			Throttles: &queries.Throttles{QueuedLimit: -1},
		})
	})
	c1 := b.cpuNow()
	b.count(fmt.Sprintf("admission probe c=%d", c), r)
	b.detail("c=%d: admission transaction alone (Store.Admit, no HTTP, no Temporal): %.0f/s (p50 %s, p99 %s); CPU ms per admission: %s",
		c, r.rate(), ms(pct(r.lat, .5)), ms(pct(r.lat, .99)), perStart(c1.minus(c0), r.n))
	_, err = b.db.ExecContext(ctx, `DELETE FROM callbacks WHERE service = $1`, probeService)
	return err
}

// profileLoad captures CPU profiles of the API and the worker (b.profile
// long) while load runs again and again, into <dir>/<name>-api.pprof and
// <dir>/<name>-worker.pprof.
func (b *bench) profileLoad(ctx context.Context, name string, load func(context.Context)) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(b.pprof))
	for proc, addr := range b.pprof {
		go func() {
			errc <- fetchProfile(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(b.profile.Seconds())),
				filepath.Join(b.dir, name+"-"+proc+".pprof"))
		}()
	}
	go func() {
		for pctx.Err() == nil {
			load(pctx)
		}
	}()
	for range b.pprof {
		if err := <-errc; err != nil {
			return err
		}
	}
	cancel()
	b.logf("CPU profiles: go tool pprof -top %s/%s-api.pprof (and -worker.pprof)", b.dir, name)
	return nil
}

// fetchProfile saves the profile url answers to path.
func fetchProfile(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// visibilityCost measures what the search attributes and memo every
// callback carries (required for the Temporal UI) cost Temporal: the
// baseline's Sleepy started bare and with a callback's search attributes
// and memo, in the order bare, with, with, bare.
func (b *bench) visibilityCost(ctx context.Context, c int) error {
	in, err := b.directInput(time.Now().Add(24*time.Hour), "+12125550100")
	if err != nil {
		return err
	}
	withVisibility := func(ctx context.Context, _ int) error {
		_, err := b.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("sleepy-%d", baselineSeq.Add(1)), TaskQueue: baselineQueue,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
			TypedSearchAttributes:    temporal.NewSearchAttributes(in.Record.SearchAttributes()...),
			Memo:                     map[string]any{"summary": in.Record.Summary()},
		}, "Sleepy")
		return err
	}
	var bare, with side
	half := b.perLevel / 2
	for _, w := range []bool{false, true, true, false} {
		var err error
		if w {
			err = b.measure(ctx, &with, "baseline with search attributes and memo", half, c, withVisibility, false)
		} else {
			err = b.measure(ctx, &bare, "baseline", half, c, b.baselineStart, false)
		}
		if err != nil {
			return err
		}
	}
	b.detail("c=%d: baseline %.0f/s sustained, with a callback's search attributes and memo %.0f/s = %.2f; CPU ms per start until quiet: bare %s | with %s",
		c, bare.sustainedRate(), with.sustainedRate(), with.sustainedRate()/bare.sustainedRate(),
		perStart(bare.cpuSustained, bare.n), perStart(with.cpuSustained, with.n))
	return nil
}
