package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// errEmpty reports a value that must not be empty.
var errEmpty = errors.New("empty value")

// validInt accepts any decimal integer.
func validInt(v string) error {
	if _, err := strconv.Atoi(strings.TrimSpace(v)); err != nil {
		return fmt.Errorf("not an integer: %w", err)
	}
	return nil
}

// validIntMin returns a validator of decimal integers >= lowest.
func validIntMin(lowest int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("not an integer: %w", err)
		}
		if n < lowest {
			return fmt.Errorf("%d is below %d", n, lowest)
		}
		return nil
	}
}

// validOneOf returns a validator accepting exactly one of values (any case).
func validOneOf(values ...string) func(string) error {
	return func(v string) error {
		v = strings.TrimSpace(v)
		for _, ok := range values {
			if strings.EqualFold(v, ok) {
				return nil
			}
		}
		return fmt.Errorf("not one of %s", strings.Join(values, ","))
	}
}

// validBool accepts true or false, any case.
var validBool = validOneOf("true", "false")

// orEmpty returns validate, but accepting the empty value too.
func orEmpty(validate func(string) error) func(string) error {
	return func(v string) error {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return validate(v)
	}
}

// validType accepts the _type values the resolution knows (empty = ors).
var validType = orEmpty(validOneOf(TypeORS, TypeBuiltin))

// validURL accepts an empty value or an absolute http(s) URL.
func validURL(v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("bad URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("not an absolute http(s) URL: %q", v)
	}
	return nil
}

// countryCode matches an ISO 3166 alpha-2 code.
var countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)

// validCountry accepts an empty value (checked later, C1/C2) or a 2-letter code.
func validCountry(v string) error {
	v = strings.TrimSpace(v)
	if v != "" && !countryCode.MatchString(v) {
		return fmt.Errorf("not an ISO 3166 alpha-2 code: %q", v)
	}
	return nil
}

// validPatterns accepts a CSV of RE2 patterns.
func validPatterns(v string) error {
	for _, p := range SplitList(v) {
		if _, err := CompilePattern(p); err != nil {
			return err
		}
	}
	return nil
}

// CompilePattern compiles one _exceptions entry as an RE2 expression matching
// a whole customer number.
func CompilePattern(p string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", p, err)
	}
	return re, nil
}

// validStat accepts an empty value or a Stat;Type;Object;Tenant statistic.
// validRegexp accepts an RE2 regular expression (empty: none).
func validRegexp(v string) error {
	_, err := regexp.Compile(v)
	return err
}

func validStat(v string) error {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	_, err := ParseStat(v)
	return err
}

// validSpan accepts a desired-time limit.
func validSpan(v string) error {
	_, err := ParseSpan(v)
	return err
}
