package phone

import (
	"fmt"

	"testing"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/gmserr"
)

const (
	msgImpossible = "Customer Number [%s] is disallowed, because it is invalid. Check option _disallow_impossible_phone_numbers"
	msgPremium    = "Customer Number [%s] is disallowed, because it's a premium number. Check option _disallow_premium_phone_numbers"
)

func TestCheck(t *testing.T) {
	us := func(impossible, premium bool, exceptions ...string) Rules {
		return Rules{Service: "svc", Country: "US", DisallowImpossible: impossible, DisallowPremium: premium, Exceptions: exceptions}
	}
	tests := []struct {
		name    string
		rules   Rules
		number  string
		code    int    // 0 = accepted
		message string // expected message (with %s = number for the 40040 templates)
		pattern string
	}{
		{name: "US 111 impossible", rules: us(true, true), number: "111", code: 40040, message: msgImpossible},
		{name: "5115 rejected with impossible check", rules: us(true, true), number: "5115", code: 40040, message: msgImpossible},
		{name: "5115 accepted without impossible check", rules: us(false, true), number: "5115"},
		{name: "valid US number", rules: us(true, true), number: "+1 650 253 0000"},
		{name: "valid US national number with punctuation", rules: us(true, true), number: "(650) 253-0000"},
		{name: "premium rejected", rules: us(true, true), number: "1-900-555-0100", code: 40040, message: msgPremium},
		{name: "premium E.164 rejected", rules: us(false, true), number: "+1 900 234 5678", code: 40040, message: msgPremium},
		{name: "premium allowed when off", rules: us(true, false), number: "1-900-555-0100"},
		{name: "letters rejected", rules: us(true, false), number: "1-800-FLOWERS", code: 40040, message: msgImpossible},
		{name: "letters only rejected", rules: us(true, false), number: "abc", code: 40040, message: msgImpossible},
		{name: "letters allowed when off", rules: us(false, false), number: "abc"},
		{name: "exception match", rules: us(true, true, `^6\d+`, `555.*`), number: "5551234", code: 40040,
			message: "Customer Number [%s] is disallowed by exception pattern 555.*", pattern: "555.*"},
		{name: "exception match before phone checks", rules: us(true, true, `5115`), number: "5115", code: 40040,
			message: "Customer Number [%s] is disallowed by exception pattern 5115", pattern: "5115"},
		{name: "exception is a full match", rules: us(false, false, `555`), number: "5551234"},
		{name: "exception non-match", rules: us(true, true, `\+44.*`), number: "+1 650 253 0000"},
		{name: "empty country impossible on", rules: Rules{Service: "svc", DisallowImpossible: true, DisallowPremium: true}, number: "+1 650 253 0000", code: 50020,
			message: "Service option svc / _default_country is not configured. But option _disallow_impossible_phone_numbers is set. We cannot validate phone numbers without knowing the country."},
		{name: "empty country premium on", rules: Rules{Service: "svc", DisallowPremium: true}, number: "+1 650 253 0000", code: 50020,
			message: "Service option svc / _default_country is not configured. But option _disallow_premium_phone_numbers is set. We cannot validate phone numbers without knowing the country."},
		{name: "empty country no checks", rules: Rules{Service: "svc"}, number: "5115"},
		{name: "lower-case country", rules: Rules{Service: "svc", Country: "us", DisallowImpossible: true, DisallowPremium: true}, number: "650 253 0000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.rules.Check(tc.number)
			if tc.code == 0 {
				require.Nil(t, e)
				return
			}
			require.NotNil(t, e)
			require.Equal(t, tc.code, e.Code)
			switch tc.code {
			case 40040:
				require.Equal(t, 400, e.Status)
				require.Equal(t, "NUMBER_REJECTED", e.Phrase)
				require.Equal(t, gmserr.ExceptionPackage+"CallbackExceptionNumber", e.Exception)
				require.Equal(t, sprintf(tc.message, tc.number), e.Message)
				want := map[string]any{"number": tc.number, "service": "svc"}
				if tc.pattern != "" {
					want["pattern"] = tc.pattern
				}
				require.Equal(t, want, e.Properties)
			case 50020:
				require.Equal(t, 500, e.Status)
				require.Equal(t, "BAD_CONFIGURATION", e.Phrase)
				require.Equal(t, tc.message, e.Message)
				require.Equal(t, map[string]any{"service": "svc"}, e.Properties)
			}
		})
	}
}

func TestFacts(t *testing.T) {
	tests := []struct {
		name, number, country string
		want                  map[string]any
	}{
		{name: "French mobile", number: "+33 6 12 34 56 78", country: "FR", want: map[string]any{
			"number-E164": "+33612345678", "number-international": "+33 6 12 34 56 78", "number-national": "06 12 34 56 78",
			"number-type": "MOBILE", "region-code": "FR", "country-code": 33, "country-code-source": "FROM_NUMBER_WITH_PLUS_SIGN",
			"is-possible-number": true, "is-valid-number": true, "is-valid-number-for-region": true, "is-premium": false,
			"time-zone": []string{"Europe/Paris"},
		}},
		{name: "German fixed line", number: "+49 30 123456", country: "", want: map[string]any{
			"number-E164": "+4930123456", "number-type": "FIXED_LINE", "region-code": "DE", "country-code": 49,
			"is-valid-number": true, "is-valid-number-for-region": false, "is-premium": false,
			"time-zone": []string{"Europe/Berlin"}, "location": "Berlin",
		}},
		{name: "US premium national", number: "1-900-555-0100", country: "US", want: map[string]any{
			"number-E164": "+19005550100", "number-type": "PREMIUM_RATE", "region-code": "US", "country-code": 1,
			"country-code-source": "FROM_NUMBER_WITHOUT_PLUS_SIGN", "is-premium": true, "is-valid-number-for-region": true,
		}},
		{name: "US from default country", number: "650 253 0000", country: "us", want: map[string]any{
			"number-E164": "+16502530000", "number-type": "FIXED_LINE_OR_MOBILE", "country-code-source": "FROM_DEFAULT_COUNTRY",
			"is-premium": false, "location": "Mountain View, CA", "time-zone": []string{"America/Los_Angeles"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, e := Facts(tc.number, tc.country, "")
			require.Nil(t, e)
			for k, v := range tc.want {
				require.Equal(t, v, got[k], k)
			}
			for _, k := range []string{"number-E164", "number-international", "number-national", "number-type",
				"region-code", "country-code", "country-code-source", "is-possible-number", "is-valid-number",
				"is-valid-number-for-region", "is-premium"} {
				require.Contains(t, got, k)
			}
		})
	}
}

func TestFactsLocale(t *testing.T) {
	got, e := Facts("+49 30 123456", "DE", "fr_FR")
	require.Nil(t, e)
	require.Contains(t, got, "location")
	got, e = Facts("+33 6 12 34 56 78", "FR", "../../etc")
	require.Nil(t, e)
	require.Equal(t, "France", got["location"])
}

func TestFactsUnparsable(t *testing.T) {
	for _, tc := range []struct{ number, country, message string }{
		{"abc", "US", "Invalid Phone Number abc for Country US (parsing impossible)"},
		{"650 253 0000", "", "Invalid Phone Number 650 253 0000 for Country  (parsing impossible)"},
	} {
		got, e := Facts(tc.number, tc.country, "en")
		require.Nil(t, got)
		require.NotNil(t, e)
		require.Equal(t, 40010, e.Code)
		require.Equal(t, 400, e.Status)
		require.Equal(t, "BAD_PARAMETER", e.Phrase)
		require.Equal(t, tc.message, e.Message)
	}
}

func sprintf(format, number string) string { return fmt.Sprintf(format, number) }
