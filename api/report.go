package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/julienschmidt/httprouter"

	"github.com/opengms/callback/gmserr"
)

// The export's period and default columns (SPEC §2.10, §5).
const (
	reportBack    = 30 * 24 * time.Hour
	reportForward = 15 * 24 * time.Hour
)

var reportDefaultColumns = []string{"_desired_time", "_service_name", "_customer_number", "_target", "_vq_for_outbound_calls", "_urs_virtual_queue"}

// reportCancelled is Q11: POST /genesys/1/admin/callback/reportcancelled —
// CSV of the callbacks completed with callback_reason from 30 days back to
// 15 days ahead, newest first; 204 when there is none.
func (s *Server) reportCancelled(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var req struct {
		Reason     string          `json:"callback_reason"`
		Properties json.RawMessage `json:"exported_properties"`
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, bodyError(err))
		return
	}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &req); err != nil {
			s.writeError(w, r, badParameter("Malformed JSON body: %v", err))
			return
		}
	}
	if e := checkText("callback_reason", req.Reason); e != nil || !utf8.Valid(data) {
		s.writeError(w, r, badParameter("Malformed JSON body: invalid UTF-8 or a NUL character"))
		return
	}
	if strings.TrimSpace(req.Reason) == "" {
		s.writeError(w, r, badParameter("Callback reason is missing."))
		return
	}
	columns, e := exportColumns(req.Properties)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	now := s.now()
	recs, err := s.Store.Cancelled(r.Context(), req.Reason, now.Add(-reportBack), now.Add(reportForward))
	if err != nil {
		s.writeError(w, r, unavailable("read model", err))
		return
	}
	if len(recs) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(columns)
	for i := range recs {
		all := recs[i].AllProperties()
		var opts map[string]string // the callback's effective options, for what it does not hold itself
		if rules, e := s.rules(recs[i].Service, recs[i].Properties); e == nil {
			opts = rules.opts
		}
		row := make([]string, len(columns))
		for j, c := range columns {
			if row[j] = all[c]; row[j] == "" {
				row[j] = opts[c]
			}
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Content-Disposition", `attachment; filename="report.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// exportColumns reads exported_properties: an array whose elements may be
// comma-joined lists (or one such string); empty means the defaults.
func exportColumns(raw json.RawMessage) ([]string, *gmserr.Error) {
	var items []string
	if t := strings.TrimSpace(string(raw)); t != "" && t != "null" {
		if err := json.Unmarshal(raw, &items); err != nil {
			var one string
			if json.Unmarshal(raw, &one) != nil {
				return nil, badParameter("exported_properties must be an array of strings")
			}
			items = []string{one}
		}
	}
	var out []string
	for _, it := range items {
		for _, c := range strings.Split(it, ",") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 {
		return reportDefaultColumns, nil
	}
	return out, nil
}
