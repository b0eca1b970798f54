package outbound

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// ErrBodyTooLarge is what reading a response body past the cap fails
// with.
var ErrBodyTooLarge = errors.New("outbound: response body exceeds the size limit")

// ReadLimited reads r to the end and fails with ErrBodyTooLarge if it
// holds more than n bytes, rather than silently cutting it short.
func ReadLimited(r io.Reader, n int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, n+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > n {
		return nil, fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, n)
	}
	return b, nil
}

// capBody is a RoundTripper that caps response bodies at n bytes.
type capBody struct {
	next http.RoundTripper
	n    int64
}

func (c capBody) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > c.n {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %s announces %d bytes, the limit is %d", ErrBodyTooLarge, r.URL.Redacted(), resp.ContentLength, c.n)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: c.n}
	return resp, nil
}

// limitedBody returns at most left bytes, then ErrBodyTooLarge if the
// body had more.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.rc.Read(p)
	if int64(n) > l.left {
		n = int(l.left)
		l.left = 0
		return n, ErrBodyTooLarge
	}
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }
