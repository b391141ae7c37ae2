// Package stats resolves `_request_queue_time_stat` through the statistics
// endpoint of CONTRACT.md: GET {url}/statistic?name=&object=&id=&tenant=.
package stats

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/opengms/callback/config"
)

// Client asks the statistics endpoint for expected wait times.
type Client struct {
	URL  string // [stat] url; empty disables statistics
	HTTP *http.Client
}

// ExpectedWait returns the statistic's value in seconds. An empty stat or
// client URL means no wait.
func (c *Client) ExpectedWait(ctx context.Context, stat string) (time.Duration, error) {
	if stat == "" || c == nil || c.URL == "" {
		return 0, nil
	}
	spec, err := config.ParseStat(stat)
	if err != nil {
		return 0, err
	}
	q := url.Values{"name": {spec.Name}, "object": {spec.ObjectType}, "id": {spec.Object}, "tenant": {spec.Tenant}}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.URL, "/")+"/statistic?"+q.Encode(), nil)
	if err != nil {
		return 0, fmt.Errorf("statistic request: %w", err)
	}
	httpc := c.HTTP
	if httpc == nil {
		httpc = http.DefaultClient
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("statistic %s: %w", spec.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("statistic %s: status %d", spec.Name, resp.StatusCode)
	}
	var body struct {
		Value float64 `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("statistic %s: %w", spec.Name, err)
	}
	if body.Value < 0 {
		return 0, nil
	}
	return time.Duration(body.Value * float64(time.Second)), nil
}
