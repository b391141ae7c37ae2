package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/opengms/callback/callback"
)

// request is one logical start request: the same body and Idempotency-Key
// on every attempt.
type request struct {
	n         int
	key       string // Idempotency-Key, also the usr_chaos_key property
	number    string
	immediate bool
	desired   time.Time // zero for immediate
	phase     string
	form      url.Values

	// outcome (under loader.mu)
	id          string
	attempts    int
	statuses    map[int]int
	connErrors  int
	refused     string // final 4xx answer
	gaveUp      string // last failure when the request's deadline passed
	firstAt     time.Time
	acceptedAt  time.Time
	lastFailure string
}

// loader posts start requests and remembers every outcome.
type loader struct {
	r     *runner
	httpc *http.Client

	mu   sync.Mutex
	reqs []*request
	seq  int
}

func newLoader(r *runner) *loader {
	return &loader{r: r, httpc: &http.Client{
		// An immediate start waits for ORS (up to 90 s in the API).
		Timeout: 120 * time.Second,
	}}
}

// newRequest prepares a request: immediate, or scheduled due in dueIn.
func (l *loader) newRequest(phase string, immediate bool, desired time.Time) *request {
	l.mu.Lock()
	l.seq++
	n := l.seq
	l.mu.Unlock()
	rq := &request{n: n, key: uuid.NewString(), number: fmt.Sprintf("617555%04d", n), immediate: immediate,
		phase: phase, statuses: map[int]int{}}
	rq.form = url.Values{
		callback.KeyCustomerNumber:       {rq.number},
		"usr_chaos_key":                  {rq.key},
		"usr_chaos_phase":                {phase},
		callback.KeyDeviceOS:             {callback.DeviceHTTPCallback},
		callback.KeyDeviceNotificationID: {l.r.e.hooks.url + "/" + rq.key},
	}
	if !immediate {
		rq.desired = desired.UTC().Truncate(time.Millisecond)
		rq.form.Set(callback.KeyDesiredTime, callback.FormatTime(rq.desired))
	}
	l.mu.Lock()
	l.reqs = append(l.reqs, rq)
	l.mu.Unlock()
	return rq
}

// run posts n requests over dur with clients concurrent clients (half
// immediate, half due 2-10 s after they are posted) and returns when every
// request has its outcome.
func (l *loader) run(ctx context.Context, phase string, n int, dur time.Duration, clients int) {
	ch := make(chan *request)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rq := range ch {
				l.post(ctx, rq)
			}
		}()
	}
	t0 := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		at := t0.Add(time.Duration(i) * dur / time.Duration(n))
		if !sleepCtx(ctx, time.Until(at)) {
			break
		}
		immediate := i%2 == 0
		due := time.Now().Add(2*time.Second + time.Duration(rand.Int64N(int64(8*time.Second))))
		rq := l.newRequest(phase, immediate, due)
		select {
		case ch <- rq:
		case <-ctx.Done():
		}
	}
	close(ch)
	wg.Wait()
}

// postAll posts rqs concurrently (clients at a time) and waits for all.
func (l *loader) postAll(ctx context.Context, rqs []*request, clients int) {
	sem := make(chan struct{}, clients)
	var wg sync.WaitGroup
	for _, rq := range rqs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			l.post(ctx, rq)
		}()
	}
	wg.Wait()
}

// post sends rq until it is answered 200 or 4xx, retrying 5xx answers and
// connection errors with the same Idempotency-Key until its deadline.
func (l *loader) post(ctx context.Context, rq *request) {
	began := time.Now()
	deadline := began.Add(l.r.o.RequestTimeout)
	backoff := 250 * time.Millisecond
	body := rq.form.Encode()
	for {
		status, answer, err := l.once(ctx, rq, body)
		l.mu.Lock()
		rq.attempts++
		if rq.firstAt.IsZero() {
			rq.firstAt = time.Now()
		}
		if err != nil {
			rq.connErrors++
			rq.lastFailure = err.Error()
		} else {
			rq.statuses[status]++
			rq.lastFailure = fmt.Sprintf("%d %s", status, truncate(answer))
		}
		switch {
		case err == nil && status == http.StatusOK:
			var out struct {
				ID string `json:"_id"`
			}
			if jerr := json.Unmarshal(answer, &out); jerr != nil || out.ID == "" {
				rq.refused = fmt.Sprintf("200 without _id: %s", truncate(answer))
			} else {
				rq.id, rq.acceptedAt, rq.lastFailure = out.ID, time.Now(), ""
			}
			attempts := rq.attempts
			l.mu.Unlock()
			if took := time.Since(began); took > 10*time.Second {
				l.r.logf("slow start: %s request %s accepted as %s after %.1fs (%d attempts)", kindOf(rq), rq.key, out.ID, took.Seconds(), attempts)
			}
			return
		case err == nil && status/100 == 4:
			rq.refused = fmt.Sprintf("%d %s", status, truncate(answer))
			l.mu.Unlock()
			l.r.logf("request %s refused: %s", rq.key, rq.refused)
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			rq.gaveUp = rq.lastFailure
			l.mu.Unlock()
			l.r.logf("request %s gave up after %d attempts: %s", rq.key, rq.attempts, rq.gaveUp)
			return
		}
		l.mu.Unlock()
		if !sleepCtx(ctx, backoff) {
			continue // the deadline check above ends it
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (l *loader) once(ctx context.Context, rq *request, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		l.r.e.apiURL+"/genesys/1/service/callback/"+serviceName, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Idempotency-Key", rq.key)
	resp, err := l.httpc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

// requests returns a snapshot of every request of phase ("" = all).
func (l *loader) requests(phase string) []request {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []request
	for _, rq := range l.reqs {
		if phase == "" || rq.phase == phase {
			out = append(out, *rq)
		}
	}
	return out
}

func (l *loader) acceptedCount(phase string) int {
	n := 0
	for _, rq := range l.requests(phase) {
		if rq.id != "" {
			n++
		}
	}
	return n
}

func truncate(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
