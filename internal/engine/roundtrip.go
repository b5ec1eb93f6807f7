package engine

import "net/http"

// roundTrip sends req through net/http. With the transport's own
// http.Transport (not a caller's RoundTripper) it calls the Transport
// directly: the http.Client around it follows no redirects, has no cookie
// jar and no timeout, so all it would add is its own bookkeeping, about 3%
// of the CPU an HTTP/2 request costs. A request that needs the Client's
// help (credentials in its URL, no Header map) goes through the Client.
func (s *httpSender) roundTrip(req *http.Request) (*http.Response, error) {
	if s.t.tr == nil || req.URL.User != nil || req.Header == nil {
		return s.client.Do(req)
	}
	return s.t.tr.RoundTrip(req)
}
