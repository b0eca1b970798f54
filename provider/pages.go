package provider

import (
	"net/http"

	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/uilang"
	"github.com/oidcp/oidcp/web"
)

// pageLang picks nb, nn or en from ui_locales (space-separated, in order
// of preference) and then Accept-Language; bokmål by default.
func pageLang(r *http.Request, uiLocales string) string { return uilang.Pick(r, uiLocales) }

// errorPage is the HTML channel of a protocol error: a readable page
// in the person's language with e's status. The message is e's page key
// in web.Messages; the OAuth error code stays visible for the service's
// support; e's detail is shown translated when it is one of the common
// ones (web/errortexts.go), else marked as English.
func errorPage(w http.ResponseWriter, r *http.Request, lang string, e *oautherr.Error) {
	t := web.Messages[lang]
	d := web.Page{Lang: lang, Title: t["error_title"], Message: t[e.PageKey()], Code: e.Code, T: t}
	if text, ok := web.DetailIn(lang, e.Detail); ok {
		d.Detail = text
	} else {
		d.DetailEN, d.DetailLabel = e.Detail, web.PageTexts[lang]["detail_en"]
	}
	oautherr.SetRetryAfter(w, e)
	web.Render(w, e.Status, web.ErrorTemplate, d)
}
