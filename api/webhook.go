package api

import (
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/notify"
)

// checkWebhook: a client that asks for webhooks (`_device_os=httpcb`)
// names as `_device_notification_id` a URL its service allows
// (`_notification_url_pattern`, configuration only); 400 40010 otherwise.
func checkWebhook(id string, opts config.Effective, props map[string]string) *gmserr.Error {
	if props[callback.KeyDeviceOS] != callback.DeviceHTTPCallback {
		return nil
	}
	u := props[callback.KeyDeviceNotificationID]
	if err := notify.Allowed(opts.String(config.OptNotificationURLPattern), u); err != nil {
		return badParameter("Invalid %s: %v", callback.KeyDeviceNotificationID, err).
			With("id", id, callback.KeyDeviceNotificationID, u)
	}
	return nil
}

// changesWebhook tells whether a PUT's parameters p touch the webhook.
func changesWebhook(p map[string]string) bool {
	_, device := p[callback.KeyDeviceOS]
	_, address := p[callback.KeyDeviceNotificationID]
	return device || address
}

// notifications is GET /genesys/1/admin/callback/notifications?_id=ID:
// the webhook deliveries of a callback, oldest first, with their attempts
// and outcome (the operator page shows them).
func (s *Server) notifications(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	id := strings.TrimSpace(r.URL.Query().Get(callback.KeyID))
	if id == "" {
		s.writeError(w, r, badParameter("Missing %s", callback.KeyID))
		return
	}
	noteCallback(r.Context(), id)
	ds, err := s.Store.Deliveries(r.Context(), id)
	if err != nil {
		s.writeError(w, r, unavailable("read model", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{callback.KeyID: id, "deliveries": ds})
}
