package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// result is the outcome of one load run.
type result struct {
	n       int
	elapsed time.Duration
	lat     []time.Duration // successful requests only
	errs    int
	first   error // first error seen
}

func (r result) rate() float64 { return float64(r.n-r.errs) / r.elapsed.Seconds() }

// recorder collects latencies and errors from concurrent requests.
type recorder struct {
	mu    sync.Mutex
	lat   []time.Duration
	errs  int
	first error
}

func (r *recorder) add(d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs++
		if r.first == nil {
			r.first = err
		}
		return
	}
	r.lat = append(r.lat, d)
}

// closedLoop runs do(i) for i in [0, n) with conc workers, each sending its
// next request as soon as the previous one answered.
func closedLoop(ctx context.Context, n, conc int, do func(ctx context.Context, i int) error) result {
	var next atomic.Int64
	var rec recorder
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				t := time.Now()
				err := do(ctx, i)
				rec.add(time.Since(t), err)
			}
		}()
	}
	wg.Wait()
	return result{n: n, elapsed: time.Since(start), lat: rec.lat, errs: rec.errs, first: rec.first}
}

// openLoop sends requests at a fixed rate for d regardless of how fast they
// are answered; a request's latency counts from its scheduled send time, so
// a stall is not hidden (no coordinated omission).
func openLoop(ctx context.Context, rate float64, d time.Duration, do func(ctx context.Context, i int) error) result {
	n := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	var rec recorder
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		if w := time.Until(at); w > 0 {
			select {
			case <-time.After(w):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := do(ctx, i)
			rec.add(time.Since(at), err)
		}()
	}
	wg.Wait()
	return result{n: n, elapsed: time.Since(start), lat: rec.lat, errs: rec.errs, first: rec.first}
}

// pct is the q-quantile (0..1) of ds, nearest rank.
func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

// ---- the HTTP API ----

// apiClient talks to the callback API.
type apiClient struct {
	base      string
	http      *http.Client
	adminUser string
	adminPass string
}

func newAPIClient(base string, conns int) *apiClient {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &apiClient{base: base, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// errStatus is an answer with an unexpected status.
type errStatus struct {
	status int
	body   string
}

func (e *errStatus) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

// do sends a request and decodes a 200 answer's JSON into out (when set).
func (a *apiClient) do(ctx context.Context, method, path string, form url.Values, admin bool, out any) error {
	b, err := a.send(ctx, method, path, form, admin)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return nil
}

// send sends a request and returns the body of a 200 answer, read to its
// last byte (an errStatus otherwise).
func (a *apiClient) send(ctx context.Context, method, path string, form url.Values, admin bool) ([]byte, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if admin {
		req.SetBasicAuth(a.adminUser, a.adminPass)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		if len(b) > 300 {
			b = b[:300]
		}
		return nil, &errStatus{resp.StatusCode, string(b)}
	}
	return b, nil
}

// startScheduled POSTs a scheduled callback and returns its _id; an
// immediate answer (a confirmation dialog) is an error: the bench measures
// scheduled starts only.
func (a *apiClient) startScheduled(ctx context.Context, service, number string, desired time.Time, extra url.Values) (string, error) {
	form := url.Values{
		"_customer_number":  {number},
		"_desired_time":     {desired.UTC().Format("2006-01-02T15:04:05.000Z")},
		"usr_customer_name": {"Bench Customer " + number[len(number)-4:]},
	}
	for k, v := range extra {
		form[k] = v
	}
	var out map[string]string
	if err := a.do(ctx, http.MethodPost, "/genesys/1/service/callback/"+service, form, false, &out); err != nil {
		return "", err
	}
	if _, immediate := out["Action"]; immediate {
		return "", errors.New("answered as an immediate callback")
	}
	if out["_id"] == "" {
		return "", fmt.Errorf("no _id in the answer: %v", out)
	}
	return out["_id"], nil
}
