package api

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
	"golang.org/x/crypto/bcrypt"

	"github.com/opengms/callback/gmserr"
)

// dummyHash is compared against when the user is unknown, so an unknown
// user costs the same time as a wrong password.
var dummyHash = func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("unknown user"), bcrypt.DefaultCost)
	if err != nil {
		panic(err)
	}
	return h
}()

// adminUser returns the authenticated admin user of r: ok is false without
// Basic credentials, err set when they are present but wrong.
func (s *Server) adminUser(r *http.Request) (user string, ok bool, err *gmserr.Error) {
	user, pass, present := r.BasicAuth()
	if !present {
		return "", false, nil
	}
	hash, known := s.Config().AdminUsers[user]
	now := s.now()
	if known && s.verified.known(user, hash, pass, now) {
		return user, true, nil
	}
	h := dummyHash
	if known {
		h = []byte(hash)
	}
	if bcrypt.CompareHashAndPassword(h, []byte(pass)) != nil || !known {
		return "", false, unauthorized()
	}
	s.verified.remember(user, hash, pass, now)
	return user, true, nil
}

// admin guards an admin query with Basic authentication against
// [admin-users]; credentials are never logged.
func (s *Server) admin(h httprouter.Handle) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		_, ok, e := s.adminUser(r)
		if e == nil && !ok {
			e = unauthorized()
		}
		if e != nil {
			s.writeError(w, r, e)
			return
		}
		h(w, r, ps)
	}
}

func unauthorized() *gmserr.Error {
	return gmserr.New(gmserr.Unauthorized, "Authentication required: valid Basic credentials of an admin user")
}
