// Package web holds everything a person sees of oidcp's provider: the
// page templates with their one layout and stylesheet, and the text
// catalogue in bokmål (the default), nynorsk and English.
//
// web knows no provider, fosite or storage type: the provider builds a
// view model (Page, ChooserPage) from its own types and hands it to a
// Render function, so the arrow points one way (provider → web) and the
// texts can be reviewed in one place. The ID-porten mock, the demo and
// the population page are separate programs in the same binary and keep
// their own small templates; the router gives them the same security
// headers.
package web
