package callback

import "time"

// FormatTime renders t in TimeLayout.
func FormatTime(t time.Time) string {
	var buf [len(TimeLayout)]byte
	return string(append(appendLocal(buf[:0], t.UTC()), 'Z'))
}

// FormatLocal renders t's wall clock in its own location in LocalLayout.
func FormatLocal(t time.Time) string {
	var buf [len(LocalLayout)]byte
	return string(appendLocal(buf[:0], t))
}

// appendLocal appends t in LocalLayout. Digits are written directly:
// availability answers format thousands of times per request, and
// time.Format's layout interpretation was a fifth of their CPU. Years
// outside 0-9999 take time.Format's path.
func appendLocal(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, LocalLayout)
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = appendDigits(append(b, '-'), int(month), 2)
	b = appendDigits(append(b, '-'), day, 2)
	b = appendDigits(append(b, 'T'), hour, 2)
	b = appendDigits(append(b, ':'), minute, 2)
	b = appendDigits(append(b, ':'), sec, 2)
	return appendDigits(append(b, '.'), t.Nanosecond()/int(time.Millisecond), 3)
}

// appendDigits appends v (>= 0) zero-padded to width digits.
func appendDigits(b []byte, v, width int) []byte {
	var d [4]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:width]...)
}
