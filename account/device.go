package account

import (
	"sync"

	useragent "github.com/medama-io/go-useragent"
	"github.com/medama-io/go-useragent/agents"
)

// parser is built once: it loads the library's embedded agent data.
var parser = sync.OnceValue(useragent.NewParser)

// deviceWords are the words DeviceName needs per language.
type deviceWords struct {
	unknown string // no browser and no operating system recognised
	on      string // "Chrome on Windows"
	browser string // a browser not recognised, on a known system
	android string // Android's old built-in browser
}

var deviceLang = map[string]deviceWords{
	"nb": {unknown: "Ukjent enhet", on: " på ", browser: "Nettleser", android: "Android-nettleser"},
	"nn": {unknown: "Ukjend eining", on: " på ", browser: "Nettlesar", android: "Android-nettlesar"},
	"en": {unknown: "Unknown device", on: " on ", browser: "Browser", android: "Android browser"},
}

// browserNames are the browsers' own product names where the library's
// differ; the rest are used as the library gives them.
var browserNames = map[agents.Browser]string{
	agents.BrowserSamsung: "Samsung Internet",
	agents.BrowserIE:      "Internet Explorer",
}

// DeviceName puts a User-Agent into words a person recognises their
// device by, in lang (nb, nn or en; anything else is nb): "Chrome på
// Windows", "Firefox on Linux", "iPhone" (Safari, the iPhone's own
// browser, is not named), "Chrome på iPhone", "Samsung Internet på
// Android". A User-Agent that names neither a known browser nor a known
// system, a bot's, or none at all, is "Ukjent enhet" / "Ukjend eining" /
// "Unknown device". Names of products are not translated.
func DeviceName(userAgent, lang string) string {
	w, ok := deviceLang[lang]
	if !ok {
		w = deviceLang["nb"]
	}
	if userAgent == "" {
		return w.unknown
	}
	ua := parser().Parse(userAgent)
	if ua.IsBot() {
		return w.unknown
	}
	browser := string(ua.Browser())
	if n, ok := browserNames[ua.Browser()]; ok {
		browser = n
	}
	if ua.Browser() == agents.BrowserAndroid {
		browser = w.android
	}
	system := ""
	switch ua.OS() {
	case agents.OSIOS:
		system = "iPhone"
		if ua.IsTablet() {
			system = "iPad"
		}
		if ua.Browser() == agents.BrowserSafari || browser == "" {
			// Safari is the device's own browser: the device says it.
			return system
		}
	case agents.OSMacOS:
		system = "Mac"
	case "":
	default:
		system = string(ua.OS())
	}
	switch {
	case browser != "" && system != "":
		return browser + w.on + system
	case system != "":
		return w.browser + w.on + system
	case browser != "":
		return browser
	}
	return w.unknown
}
