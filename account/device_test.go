package account

import "testing"

// Real User-Agent strings, as the browsers send them.
const (
	uaChromeWindows  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	uaSafariIPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"
	uaChromeIPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"
	uaSafariIPad     = "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"
	uaFirefoxLinux   = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaEdgeWindows    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70"
	uaSamsungAndroid = "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"
	uaChromeAndroid  = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
	uaSafariMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"
	uaFirefoxAndroid = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
	uaOpera          = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0"
	uaChromebook     = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	uaFirefoxIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15"
	uaHeadless       = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"
	uaGooglebot      = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaCurl           = "curl/8.5.0"
)

func TestDeviceName(t *testing.T) {
	for _, tc := range []struct {
		name, ua   string
		nb, nn, en string
	}{
		{"Chrome on Windows", uaChromeWindows, "Chrome på Windows", "Chrome på Windows", "Chrome on Windows"},
		{"Safari on iPhone is the iPhone", uaSafariIPhone, "iPhone", "iPhone", "iPhone"},
		{"Chrome on iPhone", uaChromeIPhone, "Chrome på iPhone", "Chrome på iPhone", "Chrome on iPhone"},
		{"Safari on iPad", uaSafariIPad, "iPad", "iPad", "iPad"},
		{"Firefox on Linux", uaFirefoxLinux, "Firefox på Linux", "Firefox på Linux", "Firefox on Linux"},
		{"Edge, not Chrome", uaEdgeWindows, "Edge på Windows", "Edge på Windows", "Edge on Windows"},
		{"Samsung Internet on Android", uaSamsungAndroid, "Samsung Internet på Android", "Samsung Internet på Android", "Samsung Internet on Android"},
		{"Chrome on Android", uaChromeAndroid, "Chrome på Android", "Chrome på Android", "Chrome on Android"},
		{"Safari on a Mac", uaSafariMac, "Safari på Mac", "Safari på Mac", "Safari on Mac"},
		{"Firefox on Android", uaFirefoxAndroid, "Firefox på Android", "Firefox på Android", "Firefox on Android"},
		{"Opera, not Chrome", uaOpera, "Opera på Windows", "Opera på Windows", "Opera on Windows"},
		{"a Chromebook", uaChromebook, "Chrome på ChromeOS", "Chrome på ChromeOS", "Chrome on ChromeOS"},
		{"Firefox on iPhone", uaFirefoxIPhone, "Firefox på iPhone", "Firefox på iPhone", "Firefox on iPhone"},
		// Automation, not a person's device (the library counts it a bot).
		{"headless Chrome", uaHeadless, "Ukjent enhet", "Ukjend eining", "Unknown device"},
		{"a bot", uaGooglebot, "Ukjent enhet", "Ukjend eining", "Unknown device"},
		{"not a browser", uaCurl, "Ukjent enhet", "Ukjend eining", "Unknown device"},
		{"empty", "", "Ukjent enhet", "Ukjend eining", "Unknown device"},
		{"garbage", "\x00\xff<script>", "Ukjent enhet", "Ukjend eining", "Unknown device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for lang, want := range map[string]string{"nb": tc.nb, "nn": tc.nn, "en": tc.en, "": tc.nb, "de": tc.nb} {
				if got := DeviceName(tc.ua, lang); got != want {
					t.Errorf("DeviceName(%q, %q) = %q, want %q", tc.ua, lang, got, want)
				}
			}
		})
	}
}
