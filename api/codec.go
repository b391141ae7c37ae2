package api

import (
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/julienschmidt/httprouter"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/opengms/callback/callback"
)

// codecHeaders are the request headers the Temporal UI's codec calls send.
const codecHeaders = "Authorization, Content-Type, X-Namespace"

// codec is Temporal's remote codec protocol (POST /codec/decode and
// /codec/encode, a JSON Payloads object in and out), so an admin sees the
// decrypted payloads in the Temporal UI. Admin credentials are required;
// the UI's origin must be one of CodecOrigins (CORS, credentials allowed).
func (s *Server) codec(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	op := ps.ByName("op")
	if op != "decode" && op != "encode" {
		s.writeError(w, r, notFound(r))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(body, &in); err != nil {
		s.writeError(w, r, badParameter("Invalid payloads: %v", err))
		return
	}
	code := s.Codec.Decode
	if op == "encode" {
		code = s.Codec.Encode
	}
	out, err := code(in.Payloads)
	if err != nil {
		s.writeError(w, r, badParameter("Cannot %s: %v", op, err))
		return
	}
	data, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

// codecPreflight answers the browser's CORS preflight of a codec call
// (withCORS has allowed the origin, or not: then the browser refuses).
func (s *Server) codecPreflight(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", codecHeaders)
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// withCORS lets the Temporal UI's origins call h with credentials: the
// answer (an error included) carries the CORS headers the browser needs
// to hand it to the UI. Other origins get no CORS headers, so a page
// elsewhere cannot read a decoded payload with an admin's cached
// credentials.
func (s *Server) withCORS(h httprouter.Handle) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		w.Header().Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(s.CodecOrigins, strings.TrimSuffix(origin, "/")) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		h(w, r, ps)
	}
}

// codecLogin is GET /codec/: opened once in the browser, it asks for the
// admin credentials (Basic, realm GMS) and the browser then sends them
// with the Temporal UI's codec calls below /codec/.
func (s *Server) codecLogin(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	user, _, _ := r.BasicAuth() // checked by admin
	writeJSON(w, http.StatusOK, map[string]string{"codec": "ready", "user": user,
		"note": "the Temporal UI can now decode payloads through " + strings.TrimSuffix(r.URL.Path, "/")})
}

// numberHash is GET /genesys/1/admin/callback/number-hash: the value of
// the CustomerNumber search attribute for `_customer_number`, and the
// Temporal visibility query that finds its callbacks.
func (s *Server) numberHash(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	number := strings.TrimSpace(r.URL.Query().Get(callback.KeyCustomerNumber))
	if number == "" {
		s.writeError(w, r, badParameter("Missing %s", callback.KeyCustomerNumber))
		return
	}
	h := s.Hasher.Hash(number)
	writeJSON(w, http.StatusOK, map[string]string{callback.KeyCustomerNumber: number, "number_hash": h,
		"temporal_query": callback.SearchCustomerNumber.GetName() + ` = "` + h + `"`})
}
