// Package phone applies a service's customer-number rules (SPEC §4:
// _exceptions, _disallow_impossible_phone_numbers,
// _disallow_premium_phone_numbers, _default_country) and reports the
// libphonenumber facts of GET /genesys/1/phonenumber (SPEC §4.1), both on top
// of github.com/nyaruka/phonenumbers.
package phone

import (
	"regexp"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/opengms/callback/config"
	"github.com/opengms/callback/gmserr"
)

// Rules are a service's effective number rules.
type Rules struct {
	Service            string   // service name, reported in the envelope's properties
	Country            string   // _default_country (ISO 3166 alpha-2), may be empty
	DisallowImpossible bool     // _disallow_impossible_phone_numbers
	DisallowPremium    bool     // _disallow_premium_phone_numbers
	Exceptions         []string // _exceptions patterns (CSV already split)
}

// allowedChars are the characters a number may hold when the impossible
// check is on: digits, space and +().-
var allowedChars = regexp.MustCompile(`^[0-9 +().\-]*$`)

// Check validates number against r and returns nil when it is accepted.
//
// A phone check switched on while Country is empty is a configuration error:
// 500 50020 (SPEC C1 for _disallow_impossible_phone_numbers, C2 for
// _disallow_premium_phone_numbers), reported before any number check. Then,
// in order:
//
//  1. each _exceptions pattern, a full RE2 match on the number as given
//     (config.CompilePattern): 40040 "Customer Number [{number}] is
//     disallowed by exception pattern {pattern}"; a pattern that does not
//     compile is 50020 "Option _exceptions is invalid: {pattern}";
//  2. when DisallowImpossible: a number that does not parse for Country,
//     holds characters beyond digits, space and +().-, or is not
//     phonenumbers.IsPossibleNumber: 40040 "Customer Number [{number}] is
//     disallowed, because it is invalid. Check option
//     _disallow_impossible_phone_numbers";
//  3. when DisallowPremium: a number the library classifies PREMIUM_RATE:
//     40040 "Customer Number [{number}] is disallowed, because it's a premium
//     number. Check option _disallow_premium_phone_numbers". A number that
//     does not parse is not premium.
//
// 40040 envelopes carry the properties number and service (and pattern for
// an exception match); 50020 ones carry service.
func (r Rules) Check(number string) *gmserr.Error {
	country := normCountry(r.Country)
	if country == "" {
		if r.DisallowImpossible {
			return noCountry(r.Service, config.OptDisallowImpossiblePhoneNumbers)
		}
		if r.DisallowPremium {
			return noCountry(r.Service, config.OptDisallowPremiumPhoneNumbers)
		}
	}
	for _, p := range r.Exceptions {
		if strings.TrimSpace(p) == "" {
			continue
		}
		re, err := config.CompilePattern(p)
		if err != nil {
			return gmserr.New(gmserr.BadConfiguration, "Option %s is invalid: %s", config.OptExceptions, p).
				With("service", r.Service)
		}
		if re.MatchString(number) {
			return gmserr.New(gmserr.NumberRejected,
				"Customer Number [%s] is disallowed by exception pattern %s", number, p).
				With("number", number, "service", r.Service, "pattern", p)
		}
	}
	if !r.DisallowImpossible && !r.DisallowPremium {
		return nil
	}
	parsed, err := phonenumbers.Parse(number, country)
	if r.DisallowImpossible &&
		(err != nil || !allowedChars.MatchString(number) || !phonenumbers.IsPossibleNumber(parsed)) {
		return gmserr.New(gmserr.NumberRejected,
			"Customer Number [%s] is disallowed, because it is invalid. Check option %s",
			number, config.OptDisallowImpossiblePhoneNumbers).
			With("number", number, "service", r.Service)
	}
	if r.DisallowPremium && err == nil && phonenumbers.GetNumberType(parsed) == phonenumbers.PREMIUM_RATE {
		return gmserr.New(gmserr.NumberRejected,
			"Customer Number [%s] is disallowed, because it's a premium number. Check option %s",
			number, config.OptDisallowPremiumPhoneNumbers).
			With("number", number, "service", r.Service)
	}
	return nil
}

// noCountry is SPEC C1/C2: a phone check is on without _default_country.
func noCountry(service, option string) *gmserr.Error {
	return gmserr.New(gmserr.BadConfiguration,
		"Service option %s / %s is not configured. But option %s is set. We cannot validate phone numbers without knowing the country.",
		service, config.OptDefaultCountry, option).
		With("service", service)
}

// normCountry trims and upper-cases a region code, as libphonenumber wants it.
func normCountry(c string) string { return strings.ToUpper(strings.TrimSpace(c)) }

// typeNames are the libphonenumber PhoneNumberType names.
var typeNames = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.FIXED_LINE:           "FIXED_LINE",
	phonenumbers.MOBILE:               "MOBILE",
	phonenumbers.FIXED_LINE_OR_MOBILE: "FIXED_LINE_OR_MOBILE",
	phonenumbers.TOLL_FREE:            "TOLL_FREE",
	phonenumbers.PREMIUM_RATE:         "PREMIUM_RATE",
	phonenumbers.SHARED_COST:          "SHARED_COST",
	phonenumbers.VOIP:                 "VOIP",
	phonenumbers.PERSONAL_NUMBER:      "PERSONAL_NUMBER",
	phonenumbers.PAGER:                "PAGER",
	phonenumbers.UAN:                  "UAN",
	phonenumbers.VOICEMAIL:            "VOICEMAIL",
	phonenumbers.UNKNOWN:              "UNKNOWN",
}

// typeName returns the libphonenumber name of t (e.g. "MOBILE"), "UNKNOWN"
// for a value the library does not define.
func typeName(t phonenumbers.PhoneNumberType) string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "UNKNOWN"
}

// geoLanguage keeps the locales the library may hold data for; anything else
// falls back to English (and never grows the library's per-language cache).
var geoLanguage = regexp.MustCompile(`^[a-z]{2,3}$`)

// normLocale maps a geocodingLocale ("fr", "fr_FR", "fr-FR", "zh_Hant") to the
// library's data file name; empty or odd values give "en".
func normLocale(locale string) string {
	l := strings.ReplaceAll(strings.TrimSpace(locale), "-", "_")
	if strings.EqualFold(l, "zh_Hant") || strings.HasPrefix(strings.ToLower(l), "zh_hant_") ||
		strings.EqualFold(l, "zh_TW") || strings.EqualFold(l, "zh_HK") {
		return "zh_Hant"
	}
	lang, _, _ := strings.Cut(l, "_")
	lang = strings.ToLower(lang)
	if !geoLanguage.MatchString(lang) {
		return "en"
	}
	return lang
}

// Facts returns the libphonenumber facts of SPEC §4.1 for
// GET /genesys/1/phonenumber about number, parsed with country as the
// default region:
//
//   - "number-E164", "number-international", "number-national" (strings);
//   - "number-type" (MOBILE, FIXED_LINE, FIXED_LINE_OR_MOBILE, PREMIUM_RATE,
//     TOLL_FREE, ..., UNKNOWN);
//   - "region-code" (string, empty when the library knows none),
//     "country-code" (int), "country-code-source"
//     (FROM_NUMBER_WITH_PLUS_SIGN, FROM_NUMBER_WITH_IDD,
//     FROM_NUMBER_WITHOUT_PLUS_SIGN, FROM_DEFAULT_COUNTRY);
//   - "is-possible-number", "is-valid-number", "is-valid-number-for-region"
//     (against country), "is-premium" (booleans);
//   - "time-zone" ([]string of zone ids, "Etc/Unknown" when the library has
//     none), "carrier" and "location" (geocoding in locale; empty locale =
//     "en"), each omitted when the library fails to provide it.
//
// A number that does not parse answers 400 40010 "Invalid Phone Number
// {number} for Country {country} (parsing impossible)".
func Facts(number, country, locale string) (map[string]any, *gmserr.Error) {
	region := normCountry(country)
	p, err := phonenumbers.ParseAndKeepRawInput(number, region)
	if err != nil {
		return nil, gmserr.New(gmserr.BadParameter,
			"Invalid Phone Number %s for Country %s (parsing impossible)", number, country)
	}
	typ := phonenumbers.GetNumberType(p)
	facts := map[string]any{
		"number-E164":                phonenumbers.Format(p, phonenumbers.E164),
		"number-international":       phonenumbers.Format(p, phonenumbers.INTERNATIONAL),
		"number-national":            phonenumbers.Format(p, phonenumbers.NATIONAL),
		"number-type":                typeName(typ),
		"region-code":                phonenumbers.GetRegionCodeForNumber(p),
		"country-code":               int(p.GetCountryCode()),
		"country-code-source":        p.GetCountryCodeSource().String(),
		"is-possible-number":         phonenumbers.IsPossibleNumber(p),
		"is-valid-number":            phonenumbers.IsValidNumber(p),
		"is-valid-number-for-region": region != "" && phonenumbers.IsValidNumberForRegion(p, region),
		"is-premium":                 typ == phonenumbers.PREMIUM_RATE,
	}
	if tz, err := phonenumbers.GetTimezonesForNumber(p); err == nil && len(tz) > 0 {
		facts["time-zone"] = tz
	}
	lang := normLocale(locale)
	if c, err := phonenumbers.GetCarrierForNumber(p, lang); err == nil {
		facts["carrier"] = c
	}
	if g, err := phonenumbers.GetGeocodingForNumber(p, lang); err == nil {
		facts["location"] = g
	}
	return facts, nil
}
