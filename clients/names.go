package clients

import (
	"maps"
	"slices"
	"strings"

	"github.com/oidcp/oidcp/storage"
)

// NameLanguages are the language tags a client may give its name in
// (client_name#nb, #nn, #en; RFC 7591 §2.2): the page languages.
var NameLanguages = []string{"nb", "nn", "en"}

// maxNameLen bounds client_name and each of its translations.
const maxNameLen = 200

// names checks the language-tagged names: tags among NameLanguages
// (case-insensitive, as BCP 47 tags are; stored in lower case), each
// name at most maxNameLen bytes. Empty names are dropped; nil when none
// is left.
func (b *builder) names() map[string]string {
	var out map[string]string
	for _, tag := range slices.Sorted(maps.Keys(b.r.Names)) { // one error order for the same input
		name := strings.TrimSpace(b.r.Names[tag])
		field := "client_name#" + tag
		lang := strings.ToLower(tag)
		switch {
		case !slices.Contains(NameLanguages, lang):
			b.fail(metadataErr(field, "%q is not a language oidcp shows pages in; give client_name#nb (bokmål), client_name#nn (nynorsk) or client_name#en (English)", tag))
			continue
		case len(name) > maxNameLen:
			b.fail(metadataErr(field, "is longer than %d bytes", maxNameLen))
			continue
		case name == "":
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[lang] = name
	}
	return out
}

// LocalName is the name to show a person on a page in language lang
// ("" is bokmål, the default): the name tagged with lang, else the
// untagged client_name (the name the client chose as its default, in
// whatever language), else the bokmål one, else the nynorsk one, else the
// client id. names are by language tag (storage.Client.Names).
func LocalName(lang string, names map[string]string, name, id string) string {
	if lang == "" {
		lang = "nb"
	}
	if s := names[lang]; s != "" {
		return s
	}
	if name != "" {
		return name
	}
	for _, l := range []string{"nb", "nn"} {
		if s := names[l]; s != "" {
			return s
		}
	}
	return id
}

// DisplayName is c's name for a page in language lang (LocalName).
func DisplayName(c storage.Client, lang string) string {
	return LocalName(lang, c.Names, c.Name, c.ID)
}
