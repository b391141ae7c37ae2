package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/metrics"
)

// SubmitToORS posts the callback to ORS. Every attempt carries
// `Idempotency-Key: <_id>`, so ORS answers a retry with the session it
// already started instead of starting a second one.
func (a *Activities) SubmitToORS(ctx context.Context, req contract.SubmitRequest) (res contract.SubmitResult, err error) {
	if activity.GetInfo(ctx).Attempt == 1 && !req.Due.IsZero() {
		metrics.FireLateness.WithLabelValues(req.Service).Observe(metrics.Since(req.Due))
	}
	defer func() {
		outcome := "ok"
		if err != nil {
			outcome = "failed"
		}
		metrics.ORSSubmits.WithLabelValues(req.Service, outcome).Inc()
	}()
	body, err := json.Marshal(map[string]any{"src": req.AppURL, "params": req.Params})
	if err != nil {
		return contract.SubmitResult{}, fmt.Errorf("encode ORS request: %w", err)
	}
	resp, err := a.post(ctx, strings.TrimRight(req.ORSURL, "/")+"/scxml/session/start", req.ID, body)
	if err != nil {
		return contract.SubmitResult{}, err
	}
	var out map[string]json.RawMessage
	var sid string
	if err := json.Unmarshal(resp, &out); err != nil || json.Unmarshal(out["sessionid"], &sid) != nil || sid == "" {
		return contract.SubmitResult{}, fmt.Errorf("invalid ORS response: %q", truncate(resp))
	}
	return contract.SubmitResult{SessionID: sid, Access: accessInfo(out)}, nil
}

// accessInfo picks the access information out of ORS's start answer: every
// key starting with contract.AccessPrefix whose value is a string or a
// number (as its JSON text); nil when there is none.
func accessInfo(answer map[string]json.RawMessage) map[string]string {
	var out map[string]string
	for k, raw := range answer {
		if !strings.HasPrefix(k, contract.AccessPrefix) {
			continue
		}
		if v, ok := scalarText(raw); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// scalarText is a JSON string's value or a JSON number's text; ok is false
// for anything else (null, booleans, arrays, objects).
func scalarText(raw json.RawMessage) (string, bool) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		return s, json.Unmarshal(raw, &s) == nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil || n == "" {
		return "", false
	}
	return n.String(), true
}

// CancelORSSession posts `callback.cancel` to the session. A refusal is
// non-retryable: the caller decides whether to discard it.
func (a *Activities) CancelORSSession(ctx context.Context, req contract.CancelRequest) error {
	if err := a.event(ctx, req.ORSURL, req.SessionID, "callback.cancel"); err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), "ORS_CANCEL", err)
	}
	return nil
}

// NotifyORS posts an event to the session (retried by its caller's policy).
func (a *Activities) NotifyORS(ctx context.Context, req contract.EventRequest) error {
	return a.event(ctx, req.ORSURL, req.SessionID, req.Event)
}

// event posts `{}` to {ors}/scxml/session/{id}/event/{name}.
func (a *Activities) event(ctx context.Context, orsURL, sessionID, name string) error {
	_, err := a.post(ctx, strings.TrimRight(orsURL, "/")+"/scxml/session/"+sessionID+"/event/"+name, "", []byte("{}"))
	return err
}

// post sends a JSON body and returns the answer of a 2xx response.
func (a *Activities) post(ctx context.Context, url, idempotencyKey string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("ORS request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ORS %s: %w", url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("ORS answered %d: %s", resp.StatusCode, truncate(data))
	}
	return data, nil
}

func truncate(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return strings.TrimSpace(string(b))
}
